import {
  companyDomain,
  companyName,
  disambiguateCompanyName,
  personEmail,
  personName,
  pickCountry,
} from '../framework/fake-nordic.js';
import { Prng } from '../framework/prng.js';
import type { OrgStore } from './organizations.js';
import type { TicketStore } from './tickets.js';
import type { UserStore } from './users.js';

export interface ZendeskSeedOptions {
  organizations: number;
  ticketsPerOrganization: number;
}

const DAY_MS = 86_400_000;
const SUBJECTS = [
  'Faktura stemmer ikke',
  'Kan ikke logge inn',
  'Spørsmål om kreditgrense',
  'Leveransen er forsinket',
  'Fakturan saknas',
  'Betalingspåminnelse feil',
  'Laskussa virhe',
  'Request for invoice copy',
  'Ændring af faktureringsadresse',
  'Order status?',
];

/**
 * Pre-existing help-desk data: agents, organizations (no external_id, as if created by
 * hand, so their names may collide with ERP customers), end users and tickets.
 * Timestamps are older than two minutes so incremental exports see them.
 */
export function seedTickets(
  seed: number,
  nowMs: number,
  opts: ZendeskSeedOptions,
  stores: { orgs: OrgStore; users: UserStore; tickets: TicketStore },
): void {
  const rng = new Prng(seed).fork(77);
  const agents = [0, 1].map((i) => {
    const country = pickCountry(rng);
    const p = personName(rng, country);
    const r = stores.users.create(
      { name: p.full, email: `agent${i + 1}@sandbox.example`, role: 'agent' },
      nowMs - 400 * DAY_MS,
      () => true,
    );
    if (!r.ok) throw new Error('agent seed failed');
    return r.user;
  });
  for (let o = 0; o < opts.organizations; o++) {
    const country = pickCountry(rng);
    const base = companyName(rng, country);
    let name = base;
    for (let attempt = 1; stores.orgs.findByName(name); attempt++)
      name = disambiguateCompanyName(base, country, attempt);
    const createdMs = nowMs - rng.int(100, 900) * DAY_MS;
    const org = stores.orgs.create({ name, domain_names: [companyDomain(name, country)], tags: ['seeded'] }, createdMs);
    if (!org.ok) continue;
    const people = [0, 1].map(() => {
      const p = personName(rng, country);
      const r = stores.users.create(
        {
          name: p.full,
          email: personEmail(p, `${rng.int(1, 99)}.${companyDomain(name, country)}`),
          organization_id: org.org.id,
        },
        createdMs,
        () => true,
      );
      return r.ok ? r.user : undefined;
    });
    for (let t = 0; t < opts.ticketsPerOrganization; t++) {
      const requester = people[t % people.length];
      if (!requester) continue;
      const tCreated = nowMs - rng.int(3, 90) * DAY_MS - rng.int(0, DAY_MS - 1);
      const tUpdated = Math.min(tCreated + rng.int(0, 5) * DAY_MS + rng.int(0, DAY_MS - 1), nowMs - 120_000);
      const status = rng.weighted([
        ['new', 10],
        ['open', 30],
        ['pending', 15],
        ['solved', 35],
        ['closed', 10],
      ] as const);
      const subject = rng.pick(SUBJECTS);
      stores.tickets.insert({
        subject,
        description: `${subject}. ${rng.pick(['Se vedlegg.', 'Takk på forhånd.', 'Hälsningar.', 'Kiitos.'])}`,
        status,
        priority: rng.pick(['low', 'normal', 'normal', 'high', 'urgent'] as const),
        type: rng.pick(['question', 'incident', 'problem', 'task'] as const),
        requester_id: requester.id,
        submitter_id: requester.id,
        assignee_id: status === 'new' ? null : rng.pick(agents).id,
        organization_id: org.org.id,
        group_id: null,
        tags: [],
        external_id: null,
        channel: rng.pick(['email', 'web', 'api']),
        comments: rng.int(1, 6),
        createdMs: tCreated,
        updatedMs: tUpdated,
      });
    }
  }
}
