import type { Prng } from './prng.js';

/** Nordic-flavoured fake data, deterministic for a given PRNG. */

export type CountryCode = 'NO' | 'SE' | 'DK' | 'FI';

export interface Country {
  code: CountryCode;
  name: string;
  currency: 'NOK' | 'SEK' | 'DKK' | 'EUR';
  /** Legal-form suffixes, most common first. */
  legalForms: readonly string[];
  tld: string;
}

export const COUNTRIES: Record<CountryCode, Country> = {
  NO: { code: 'NO', name: 'Norway', currency: 'NOK', legalForms: ['AS', 'AS', 'AS', 'ASA', 'DA'], tld: 'no' },
  SE: { code: 'SE', name: 'Sweden', currency: 'SEK', legalForms: ['AB', 'AB', 'AB', 'HB', 'KB'], tld: 'se' },
  DK: { code: 'DK', name: 'Denmark', currency: 'DKK', legalForms: ['ApS', 'A/S', 'ApS', 'I/S'], tld: 'dk' },
  FI: { code: 'FI', name: 'Finland', currency: 'EUR', legalForms: ['Oy', 'Oy', 'Oy', 'Oyj', 'Ky'], tld: 'fi' },
};

const NAME_STEMS: Record<CountryCode, readonly string[]> = {
  NO: [
    'Fjordkraft',
    'Nordvik',
    'Bergheim',
    'Solberg',
    'Havbris',
    'Fjelltopp',
    'Storli',
    'Vestland',
    'Østmark',
    'Lillestrand',
    'Granli',
    'Bjørkås',
    'Heggeli',
    'Sjøholt',
    'Trollvik',
    'Nordlys',
    'Hagen',
    'Dalheim',
    'Skogly',
    'Breivik',
  ],
  SE: [
    'Nordvik',
    'Lindqvist',
    'Björkdal',
    'Sjöberg',
    'Ekholm',
    'Strandvik',
    'Malmgren',
    'Åkerlund',
    'Granström',
    'Fjällbacka',
    'Sundqvist',
    'Lövgren',
    'Hällström',
    'Norrsken',
    'Vikström',
    'Bergslagen',
    'Ängsö',
    'Dalarö',
    'Östlund',
    'Wallin',
  ],
  DK: [
    'Vesterhav',
    'Kronborg',
    'Søndergaard',
    'Bøgelund',
    'Fyrtårn',
    'Nørrebro',
    'Strandhøj',
    'Egedal',
    'Havnegade',
    'Lyngby',
    'Rosenholm',
    'Skovlund',
    'Åbyhøj',
    'Klitgaard',
    'Ravnsborg',
  ],
  FI: [
    'Järvinen',
    'Virtanen',
    'Korhonen',
    'Mäkinen',
    'Nieminen',
    'Lahtinen',
    'Heikkinen',
    'Koskinen',
    'Saarinen',
    'Lindholm',
    'Pohjola',
    'Kallio',
    'Rantanen',
    'Salo',
    'Laaksonen',
  ],
};

const INDUSTRIES: Record<CountryCode, readonly string[]> = {
  NO: [
    'Handel',
    'Bygg',
    'Elektro',
    'Transport',
    'Rørlegger',
    'Trelast',
    'Sjømat',
    'Regnskap',
    'Eiendom',
    'Logistikk',
    'Maskin',
    'Data',
    'Bakeri',
    'Rådgivning',
    'Energi',
  ],
  SE: [
    'Bygg',
    'Handel',
    'El',
    'Transport',
    'Konsult',
    'Trä',
    'Fastigheter',
    'Logistik',
    'Maskin',
    'Data',
    'Bageri',
    'Revision',
    'Media',
    'Verkstad',
    'Energi',
  ],
  DK: [
    'Handel',
    'Byg',
    'El',
    'Transport',
    'Rådgivning',
    'Tømmer',
    'Ejendomme',
    'Logistik',
    'Maskiner',
    'Data',
    'Bageri',
    'Revision',
    'Design',
    'Fisk',
    'Energi',
  ],
  FI: [
    'Rakennus',
    'Kauppa',
    'Sähkö',
    'Kuljetus',
    'Konsultointi',
    'Puu',
    'Kiinteistöt',
    'Logistiikka',
    'Kone',
    'Data',
    'Leipomo',
    'Tilitoimisto',
    'Media',
    'Energia',
    'Teknologia',
  ],
};

const QUALIFIERS: Record<CountryCode, readonly string[]> = {
  NO: ['Vest', 'Øst', 'Nord', 'Sør', 'Midt', 'Bergen', 'Trondheim', 'Stavanger', 'Tromsø', 'Drammen'],
  SE: ['Väst', 'Öst', 'Norr', 'Syd', 'Mitt', 'Göteborg', 'Malmö', 'Uppsala', 'Umeå', 'Örebro'],
  DK: ['Vest', 'Øst', 'Nord', 'Syd', 'Midt', 'Aarhus', 'Odense', 'Aalborg', 'Esbjerg', 'Vejle'],
  FI: ['Länsi', 'Itä', 'Pohjois', 'Etelä', 'Keski', 'Tampere', 'Turku', 'Oulu', 'Espoo', 'Vaasa'],
};

const FIRST_NAMES: Record<CountryCode, readonly string[]> = {
  NO: ['Ola', 'Kari', 'Erik', 'Ingrid', 'Lars', 'Sofie', 'Magnus', 'Nora', 'Håkon', 'Silje', 'Jørgen', 'Tuva'],
  SE: ['Anders', 'Maja', 'Johan', 'Elsa', 'Karl', 'Astrid', 'Björn', 'Linnea', 'Oskar', 'Ebba', 'Gustav', 'Saga'],
  DK: ['Mads', 'Freja', 'Søren', 'Ida', 'Rasmus', 'Karen', 'Mikkel', 'Signe', 'Jens', 'Mette', 'Frederik', 'Line'],
  FI: ['Mikko', 'Aino', 'Jussi', 'Emilia', 'Matti', 'Helmi', 'Juha', 'Sanna', 'Timo', 'Venla', 'Antti', 'Liisa'],
};

const LAST_NAMES: Record<CountryCode, readonly string[]> = {
  NO: [
    'Hansen',
    'Johansen',
    'Olsen',
    'Larsen',
    'Andersen',
    'Berg',
    'Haugen',
    'Nilsen',
    'Dahl',
    'Bakke',
    'Solheim',
    'Lie',
  ],
  SE: [
    'Andersson',
    'Johansson',
    'Karlsson',
    'Nilsson',
    'Eriksson',
    'Larsson',
    'Lindberg',
    'Svensson',
    'Öberg',
    'Holm',
    'Ström',
    'Lund',
  ],
  DK: [
    'Nielsen',
    'Jensen',
    'Hansen',
    'Pedersen',
    'Andersen',
    'Christensen',
    'Larsen',
    'Sørensen',
    'Rasmussen',
    'Møller',
    'Poulsen',
    'Kristensen',
  ],
  FI: [
    'Korhonen',
    'Virtanen',
    'Mäkinen',
    'Nieminen',
    'Mäkelä',
    'Hämäläinen',
    'Laine',
    'Heikkinen',
    'Koskinen',
    'Järvinen',
    'Lehtonen',
    'Saarinen',
  ],
};

const STREETS: Record<CountryCode, readonly string[]> = {
  NO: [
    'Storgata',
    'Kongens gate',
    'Dronningens gate',
    'Strandveien',
    'Industriveien',
    'Bryggen',
    'Kirkegata',
    'Fjordveien',
    'Sjøgata',
    'Parkveien',
  ],
  SE: [
    'Drottninggatan',
    'Storgatan',
    'Kungsgatan',
    'Industrivägen',
    'Sveavägen',
    'Hamngatan',
    'Järnvägsgatan',
    'Skolgatan',
    'Åsgatan',
    'Ringvägen',
  ],
  DK: [
    'Vesterbrogade',
    'Nørregade',
    'Algade',
    'Havnevej',
    'Industrivej',
    'Strandvejen',
    'Østergade',
    'Bredgade',
    'Skovvej',
    'Kongevejen',
  ],
  FI: [
    'Mannerheimintie',
    'Hämeenkatu',
    'Aleksanterinkatu',
    'Teollisuustie',
    'Rantatie',
    'Kauppakatu',
    'Satamakatu',
    'Puistokatu',
    'Koulukatu',
    'Asemakatu',
  ],
};

const CITIES: Record<CountryCode, ReadonlyArray<readonly [string, string]>> = {
  NO: [
    ['Oslo', '0155'],
    ['Bergen', '5003'],
    ['Trondheim', '7011'],
    ['Stavanger', '4006'],
    ['Tromsø', '9008'],
    ['Drammen', '3015'],
    ['Kristiansand', '4611'],
    ['Ålesund', '6002'],
  ],
  SE: [
    ['Stockholm', '111 51'],
    ['Göteborg', '411 06'],
    ['Malmö', '211 20'],
    ['Uppsala', '753 20'],
    ['Umeå', '903 26'],
    ['Örebro', '702 10'],
    ['Linköping', '582 24'],
    ['Västerås', '722 15'],
  ],
  DK: [
    ['København V', '1620'],
    ['Aarhus C', '8000'],
    ['Odense C', '5000'],
    ['Aalborg', '9000'],
    ['Esbjerg', '6700'],
    ['Vejle', '7100'],
    ['Roskilde', '4000'],
    ['Helsingør', '3000'],
  ],
  FI: [
    ['Helsinki', '00100'],
    ['Espoo', '02100'],
    ['Tampere', '33100'],
    ['Turku', '20100'],
    ['Oulu', '90100'],
    ['Vaasa', '65100'],
    ['Jyväskylä', '40100'],
    ['Lahti', '15110'],
  ],
};

const PHONE_PREFIX: Record<CountryCode, string> = { NO: '+47', SE: '+46', DK: '+45', FI: '+358' };

export function pickCountry(rng: Prng): Country {
  return COUNTRIES[
    rng.weighted<CountryCode>([
      ['NO', 40],
      ['SE', 30],
      ['DK', 15],
      ['FI', 15],
    ])
  ];
}

/** e.g. "Fjordkraft Handel AS", "Järvinen Oy", "Nordvik Bygg AB". */
export function companyName(rng: Prng, country: Country): string {
  const stem = rng.pick(NAME_STEMS[country.code]);
  const form = rng.pick(country.legalForms);
  // Finnish family firms are often just "<Surname> Oy".
  if (country.code === 'FI' && rng.chance(0.3)) return `${stem} ${form}`;
  return `${stem} ${rng.pick(INDUSTRIES[country.code])} ${form}`;
}

/** Makes a taken name distinct the way real registers do: a place or branch qualifier, then a number. */
export function disambiguateCompanyName(name: string, country: Country, attempt: number): string {
  const parts = name.split(' ');
  const form = parts.pop() ?? '';
  const quals = QUALIFIERS[country.code];
  const q =
    attempt <= quals.length
      ? quals[attempt - 1]
      : `${quals[(attempt - 1) % quals.length]} ${Math.ceil(attempt / quals.length)}`;
  return `${parts.join(' ')} ${q} ${form}`;
}

export interface PersonName {
  first: string;
  last: string;
  full: string;
}

export function personName(rng: Prng, country: Country): PersonName {
  const first = rng.pick(FIRST_NAMES[country.code]);
  const last = rng.pick(LAST_NAMES[country.code]);
  return { first, last, full: `${first} ${last}` };
}

export interface StreetAddress {
  addressLine1: string;
  postalCode: string;
  city: string;
  countryId: CountryCode;
  countryName: string;
}

export function streetAddress(rng: Prng, country: Country): StreetAddress {
  const [city, postalCode] = rng.pick(CITIES[country.code]);
  const street = rng.pick(STREETS[country.code]);
  const no = rng.int(1, 120);
  const letter = rng.chance(0.15) ? rng.pick(['A', 'B', 'C']) : '';
  return {
    addressLine1: `${street} ${no}${letter}`,
    postalCode,
    city,
    countryId: country.code,
    countryName: country.name,
  };
}

/** ASCII slug suitable for e-mail local parts and domains. */
export function asciiSlug(s: string): string {
  const map: Record<string, string> = { å: 'a', ä: 'a', æ: 'ae', ø: 'o', ö: 'o', é: 'e', ü: 'u' };
  return s
    .toLowerCase()
    .replace(/[åäæøöéü]/g, (c) => map[c] ?? c)
    .replace(/[^a-z0-9]+/g, '');
}

export function companyDomain(name: string, country: Country): string {
  const words = name.split(' ').filter((w) => !country.legalForms.includes(w));
  return `${asciiSlug(words.join(''))}.${country.tld}`;
}

export function personEmail(person: PersonName, domain: string): string {
  return `${asciiSlug(person.first)}.${asciiSlug(person.last)}@${domain}`;
}

export function phoneNumber(rng: Prng, country: Country): string {
  switch (country.code) {
    case 'NO':
      return `${PHONE_PREFIX.NO} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)}`;
    case 'DK':
      return `${PHONE_PREFIX.DK} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)}`;
    case 'SE':
      return `${PHONE_PREFIX.SE} 8 ${rng.digits(3)} ${rng.digits(3)} ${rng.digits(2)}`;
    case 'FI':
      return `${PHONE_PREFIX.FI} 9 ${rng.digits(4)} ${rng.digits(3)}`;
  }
}

export interface CompanyIds {
  corporateId: string;
  vatRegistrationId: string;
}

/** Organisation and VAT numbers in each country's usual shape (check digits are not valid). */
export function companyIds(rng: Prng, country: Country): CompanyIds {
  switch (country.code) {
    case 'NO': {
      const n = `9${rng.digits(8)}`;
      return { corporateId: n, vatRegistrationId: `NO${n}MVA` };
    }
    case 'SE': {
      const n = `556${rng.digits(7)}`;
      return { corporateId: `${n.slice(0, 6)}-${n.slice(6)}`, vatRegistrationId: `SE${n}01` };
    }
    case 'DK': {
      const n = `${rng.int(1, 9)}${rng.digits(7)}`;
      return { corporateId: n, vatRegistrationId: `DK${n}` };
    }
    case 'FI': {
      const n = `${rng.int(1, 3)}${rng.digits(6)}`;
      const check = rng.digits(1);
      return { corporateId: `${n}-${check}`, vatRegistrationId: `FI${n}${check}` };
    }
  }
}
