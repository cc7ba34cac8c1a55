import { Ajv, type ValidateFunction } from 'ajv';
import type { Flow, Operation } from '../config/types.generated.js';
import { transformSource } from '../config/transform-source.js';
import { compile, evaluate, getPath, holds, interpret, interpretedBecause } from './expression.js';
import { mappingBindings } from './bindings.js';
import type { Clock } from './functions.js';
import { plainText } from '../util/text.js';

export interface MappedRecord {
  payload: Record<string, unknown>;
  matchValue: string;
  clockDependent: boolean;
}

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });

/**
 * Everything a flow needs to turn a mapping input into a payload, compiled once per run: the
 * transform, the filters, the clock-dependence test and the target's payload schema.
 */
export class FlowMapper {
  private readonly bindings: Record<string, unknown>;
  private readonly validate?: ValidateFunction;
  readonly transformFile?: string;
  /** The transform's text (a .jsonata file's content): part of the flow's fingerprint */
  readonly transformExpr: string;
  /** Whether the transform runs compiled rather than on the JSONata interpreter */
  readonly compiled: boolean;
  /** The on_delete mark transform's text, when the flow marks deleted records */
  readonly deleteExpr?: string;

  constructor(
    readonly mappingName: string,
    readonly flowName: string,
    readonly flow: Flow,
    readonly op: Operation,
    readonly mappingFile: string,
    clock: Clock,
  ) {
    this.bindings = mappingBindings(mappingFile, clock);
    const t = transformSource(mappingFile, flow.transform);
    this.transformFile = t.file;
    this.transformExpr = t.expr;
    compile(this.transformExpr, this.label('transform'));
    this.compiled = interpretedBecause(this.transformExpr) === undefined;
    if (op.payload_schema) this.validate = ajv.compile(op.payload_schema);
    const onDelete = flow.on_delete;
    if (onDelete?.action === 'mark' && onDelete.transform) {
      const d = transformSource(mappingFile, onDelete.transform);
      if (d.problem) throw new Error(`${this.label('on_delete')}: ${d.problem}`);
      this.deleteExpr = d.expr;
      compile(this.deleteExpr, this.label('on_delete transform'));
    }
  }

  label(what: string): string {
    return `mapping ${this.mappingName}, flow ${this.flowName}, ${what}`;
  }

  private run(expr: string, input: unknown, what: string): Promise<unknown> {
    return evaluate(expr, input, this.label(what), this.bindings);
  }

  keep(record: unknown): boolean | Promise<boolean> {
    return !this.flow.where || holds(this.flow.where, record, this.label('where'), this.bindings);
  }

  keepRelated(join: string, record: unknown): boolean | Promise<boolean> {
    const where = this.flow.join?.[join]?.where;
    return !where || holds(where, record, this.label(`join ${join} where`), this.bindings);
  }

  private mapDeleted(input: Record<string, unknown>, deletion: Record<string, unknown>): Promise<unknown> {
    if (this.deleteExpr === undefined) throw new Error('on_delete mark declares no transform');
    const label = this.label(`on_delete transform ${this.flow.on_delete?.transform ?? ''}`.trim());
    return evaluate(this.deleteExpr, { ...input, deletion }, label, { ...this.bindings, deletion });
  }

  /**
   * The transform's output on the JSONata interpreter alone, for cross-checking the compiled one;
   * with `deletion`, the on_delete transform's.
   */
  interpretTransform(input: Record<string, unknown>, deletion?: Record<string, unknown>): Promise<unknown> {
    if (!deletion) return interpret(this.transformExpr, input, this.label('transform'), this.bindings);
    if (this.deleteExpr === undefined) throw new Error('on_delete mark declares no transform');
    const bindings = { ...this.bindings, deletion };
    return interpret(this.deleteExpr, { ...input, deletion }, this.label('on_delete transform'), bindings);
  }

  /**
   * Maps one input; throws an Error whose message names what went wrong (the caller adds the
   * record key). With `deletion` (a record deleted at the source) the on_delete transform maps
   * it, given the evidence as `deletion` in its input and as $deletion.
   */
  async map(input: Record<string, unknown>, deletion?: Record<string, unknown>): Promise<MappedRecord> {
    const out = deletion
      ? await this.mapDeleted(input, deletion)
      : await this.run(
          this.transformExpr,
          input,
          this.transformFile ? `transform ${this.flow.transform}` : 'transform',
        );
    if (!out || typeof out !== 'object' || Array.isArray(out))
      throw new Error(`transform must produce one object, got ${Array.isArray(out) ? 'a list' : JSON.stringify(out)}`);
    const payload = out as Record<string, unknown>;
    if (this.validate && !this.validate(payload)) {
      const errs = (this.validate.errors ?? []).map((e) => `${e.instancePath || '(payload)'} ${e.message}`).join('; ');
      throw new Error(`payload does not match operation ${this.flow.to}'s payload_schema: ${errs}`);
    }
    const mv = getPath(payload, this.op.match_key);
    if (mv === undefined || mv === null || mv === '')
      throw new Error(`payload has no match key "${this.op.match_key}"`);
    const when = this.flow.recompute?.when;
    // A mark does not depend on the clock: a deleted record's payload stays as it was written.
    const clockDependent =
      this.flow.recompute && !deletion
        ? when
          ? await holds(when, input, this.label('recompute.when'), this.bindings)
          : true
        : false;
    return { payload, matchValue: plainText(mv), clockDependent };
  }
}
