import type { Command } from 'commander';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSandbox, SYSTEMS, type SystemName } from '../../sandbox/index.js';
import { formatDiagnostic } from '../config/diagnostic.js';
import { lint } from '../config/lint.js';
import { loadProject, displayPath } from '../config/project.js';
import type { Connection, Connector, Operation, Stream } from '../config/types.generated.js';
import { updateFixtures } from '../map/fixtures.js';
import { StreamReader } from '../read/reader.js';
import { openConnection } from '../runtime/connection.js';
import { openState } from '../store/open.js';
import { connectionSecrets } from '../store/token-store.js';
import { planMapping } from '../sync/plan.js';
import { EXIT } from './exit-codes.js';
import { runCommand, UsageError } from './run-command.js';

export interface NewOptions {
  root: string;
  /** <source>-<target>[-<anything>] */
  name: string;
  stream?: string;
  operation?: string;
  write: (text: string) => void;
  /** The fixture's clock; default now */
  now?: Date;
}

const NAME = /^[a-z][a-z0-9-]*$/;

/** The source and target connectors a mapping name starts with (connector names may hold dashes too). */
export function connectorsOfName(
  name: string,
  connectors: readonly string[],
): { source: string; target: string } | undefined {
  const parts = name.split('-');
  for (let i = 1; i < parts.length; i++) {
    const source = parts.slice(0, i).join('-');
    if (!connectors.includes(source)) continue;
    for (let j = i + 1; j <= parts.length; j++) {
      const target = parts.slice(i, j).join('-');
      if (connectors.includes(target)) return { source, target };
    }
  }
  return undefined;
}

const field = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '')}\``);

/** A field that names the record: "name" itself, else the first that ends in name (DisplayName, CompanyName). */
function nameField(candidates: readonly string[], skip: string): string | undefined {
  const others = candidates.filter((c) => c !== skip);
  return (
    others.find((c) => c.toLowerCase() === 'name') ??
    others.find((c) => /name$/i.test(c) && !/^(first|last|middle|user)_?name$/i.test(c))
  );
}

function pick<T>(
  kind: string,
  owner: string,
  all: Record<string, T> | undefined,
  wanted: string | undefined,
): [string, T] {
  const names = Object.keys(all ?? {});
  if (!names.length) throw new UsageError(`connector "${owner}" has no ${kind}s`);
  const chosen = wanted ?? names[0];
  if (!all?.[chosen])
    throw new UsageError(`connector "${owner}" has no ${kind} "${chosen}" (it has: ${names.join(', ')})`);
  return [chosen, all[chosen]];
}

/**
 * The first record of a stream as the sandbox's simulator serves it, read through the engine
 * exactly as a sync reads it; undefined when the source has no simulator or the stream is empty.
 */
async function sandboxSample(
  source: string,
  connector: Connector,
  streamName: string,
  stream: Stream,
): Promise<{ record?: Record<string, unknown>; missing?: string }> {
  if (!SYSTEMS.includes(source as SystemName)) return { missing: `the sandbox has no ${source} simulator` };
  // Big enough that every simulated stream has records (Visma has a supplier per four customers).
  const sandbox = await startSandbox({ systems: [source as SystemName], size: 20, seed: 1 });
  const state = await openState(null);
  try {
    const profile = sandbox.connections[source] as Connection;
    const conn = openConnection({
      name: source,
      connection: profile,
      connector,
      where: 'the sandbox',
      ...connectionSecrets(state, source),
    });
    const reader = new StreamReader({
      client: conn.client,
      baseUrl: conn.baseUrl,
      vars: conn.vars,
      name: streamName,
      stream,
      full: true,
    });
    for await (const page of reader.pages()) if (page[0]) return { record: page[0] };
    return { missing: `the ${source} sandbox has no ${streamName} records` };
  } finally {
    await state.close();
    await sandbox.stop();
  }
}

/** The JSONata of a first transform: the match key from the primary key, and a name. */
function transformText(o: {
  source: string;
  target: string;
  stream: string;
  operation: string;
  keyPath: string[];
  keyIsString: boolean;
  pk: string;
  name?: [string, string];
}): string {
  const key = o.keyIsString ? `$string(${field(o.pk)})` : field(o.pk);
  const nest = (path: string[], value: string, indent: string): string =>
    path.length === 1
      ? `"${path[0]}": ${value}`
      : `"${path[0]}": {\n${indent}    ${nest(path.slice(1), value, `${indent}  `)}\n${indent}  }`;
  const members = [`  ${nest(o.keyPath, key, '')}`];
  if (o.name) members.push(`  "${o.name[1]}": ${field(o.name[0])}`);
  return [
    `/* A ${o.source} ${o.stream} record -> a ${o.target} ${o.operation} payload. Add fields here, then: mlc lint, mlc test --update. */`,
    '{',
    members.join(',\n'),
    '}',
    '',
  ].join('\n');
}

/**
 * `mlc new <source>-<target>`: a mapping folder that lints and tests green, for the author to grow:
 * one flow from a source stream to a target operation, a transform of the key and the name, and one
 * fixture case from the source's sandbox sample.
 */
export async function scaffoldMapping(o: NewOptions): Promise<number> {
  if (!NAME.test(o.name))
    throw new UsageError(
      `"${o.name}" is not a mapping name: use lowercase letters, digits and dashes, starting with a letter, such as visma-zendesk`,
    );
  const project = loadProject(o.root);
  const connectorNames = [...project.connectors.keys()];
  const pair = connectorsOfName(o.name, connectorNames);
  if (!pair)
    throw new UsageError(
      `"${o.name}" does not start with <source>-<target> connectors of connectors/ (known: ${connectorNames.join(', ') || 'none'})`,
    );
  const dir = join(o.root, 'mappings', o.name);
  if (existsSync(dir)) throw new UsageError(`${displayPath(dir)} already exists; choose another name or remove it`);
  const connector = (n: string) => {
    const c = project.connectors.get(n);
    if (!c?.data) throw new UsageError(`connector "${n}" does not pass lint; run mlc lint connectors/${n}.yaml`);
    return c.data;
  };
  const source = connector(pair.source);
  const target = connector(pair.target);
  const [streamName, stream] = pick<Stream>('stream', pair.source, source.streams, o.stream);
  const [opName, op] = pick<Operation>('operation', pair.target, target.operations, o.operation);

  const { record: sample, missing } = await sandboxSample(pair.source, source, streamName, stream);
  const pk = stream.primary_key;
  const keyPath = op.match_key.split('.');
  const set = op.custom_fields ? target.custom_fields?.[op.custom_fields] : undefined;
  // A match key inside the custom-field object (Pipedrive's custom_fields.erp_id) is a custom field the flow must provision.
  const keyField = keyPath.length > 1 && set?.payload_path === keyPath[0] ? keyPath.slice(1).join('.') : undefined;
  const schema: { properties?: unknown } | undefined = op.payload_schema;
  const props = (schema?.properties ?? {}) as Partial<Record<string, { type?: unknown }>>;
  const keyIsString = keyField !== undefined || [props[keyPath[0]]?.type].flat().includes('string');
  // A stream that declares no fields and has no sample gives nothing to go by: "name" is a guess the author checks.
  const srcName = nameField(stream.fields ?? Object.keys(sample ?? { name: '' }), pk);
  const tgtName = nameField(Object.keys(props).length ? Object.keys(props) : ['name'], keyPath[0]);
  const flow =
    streamName
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
      .replace(/^[^a-z]+/, '') || 'records';

  const mapping = [
    '# yaml-language-server: $schema=../../schemas/mapping.schema.json',
    `name: ${o.name}`,
    `description: ${pair.source} ${streamName} into ${pair.target} ${opName} (made by mlc new; say here what the mapping is for).`,
    `source: { connector: ${pair.source} }`,
    `target: { connector: ${pair.target} }`,
    'flows:',
    `  ${flow}:`,
    `    from: ${streamName}`,
    `    to: ${opName}`,
    `    transform: ${flow}.jsonata`,
    ...(keyField ? ['    custom_fields:', `      - { key: ${keyField}, title: ERP id, type: text }`] : []),
    '',
  ].join('\n');
  const record = sample ?? { [pk]: '1', ...(srcName ? { [srcName]: 'Example' } : {}) };
  const fixture = stringify(
    {
      description: sample
        ? `The first ${streamName} record of the ${pair.source} sandbox (seed 1), as mlc new found it.`
        : `A placeholder ${streamName} record (${missing}): replace it with a real one.`,
      flow,
      now: new Date(Math.floor((o.now ?? new Date()).getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      record,
    },
    { lineWidth: 0 },
  );

  mkdirSync(join(dir, 'fixtures'), { recursive: true });
  try {
    writeFileSync(join(dir, 'mapping.yaml'), mapping);
    writeFileSync(
      join(dir, `${flow}.jsonata`),
      transformText({
        source: pair.source,
        target: pair.target,
        stream: streamName,
        operation: opName,
        keyPath,
        keyIsString,
        pk,
        name: srcName && tgtName ? [srcName, tgtName] : undefined,
      }),
    );
    writeFileSync(join(dir, 'fixtures', 'sample.yaml'), fixture);
    const errors = lint(o.root, [dir]).filter((d) => d.severity === 'error');
    if (errors.length)
      throw new Error(
        `the new mapping does not pass lint (an mlc bug, please report it):\n${errors.map(formatDiagnostic).join('\n')}`,
      );
    const plan = planMapping({ root: o.root, mapping: o.name, connections: {}, requireConnections: false });
    const result = (await updateFixtures(plan, join(dir, 'fixtures'))).at(0);
    if (result?.status !== 'updated')
      throw new Error(
        `the new mapping fails its fixture (an mlc bug, please report it): ${result?.error ?? 'no case ran'}`,
      );
  } catch (e) {
    // Half a scaffold would be refused next time as "already exists": nothing is left behind.
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const rel = displayPath(dir);
  o.write(
    `created ${rel}/: mapping.yaml (${pair.source} ${streamName} -> ${pair.target} ${opName}), ${flow}.jsonata, fixtures/sample.yaml\n`,
  );
  if (!sample)
    o.write(
      `note: ${missing}, so fixtures/sample.yaml holds a placeholder record; replace it with a real ${streamName} record\n`,
    );
  o.write(
    `next: add fields to ${rel}/${flow}.jsonata, then mlc lint ${rel}, mlc test ${o.name} --update, mlc dry-run ${o.name}, mlc sync ${o.name}${SYSTEMS.includes(pair.source as SystemName) && SYSTEMS.includes(pair.target as SystemName) ? ' --sandbox' : ''}\n`,
  );
  return EXIT.ok;
}

export function registerNew(program: Command): void {
  program
    .command('new')
    .description(
      'Create mappings/<source>-<target>/: a mapping of a source stream into a target operation, its transform and a fixture from the sandbox',
    )
    .argument('<name>', 'mapping name starting with the two connectors, e.g. visma-zendesk or visma-zendesk-suppliers')
    .option('--stream <stream>', "source stream (default: the source connector's first)")
    .option('--operation <operation>', "target operation (default: the target connector's first)")
    .action((name: string, opts: { stream?: string; operation?: string }) =>
      runCommand(() =>
        scaffoldMapping({
          root: process.cwd(),
          name,
          stream: opts.stream,
          operation: opts.operation,
          write: (t) => process.stdout.write(t),
        }),
      ),
    );
}
