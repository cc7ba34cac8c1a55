/**
 * The fixed parts of a fresh company: one pipeline with its stages and the default activity types.
 * The sandbox creates none of these through the API, so they are constants.
 */

export interface Stage {
  id: number;
  name: string;
  pipeline_id: number;
  order_nr: number;
  deal_probability: number;
}

export const PIPELINES = [{ id: 1, name: 'Pipeline', order_nr: 1, is_deal_probability_enabled: false }];

export const STAGES: Stage[] = [
  { id: 1, name: 'Qualified', pipeline_id: 1, order_nr: 1, deal_probability: 100 },
  { id: 2, name: 'Contact Made', pipeline_id: 1, order_nr: 2, deal_probability: 100 },
  { id: 3, name: 'Proposal Made', pipeline_id: 1, order_nr: 3, deal_probability: 100 },
  { id: 4, name: 'Negotiations Started', pipeline_id: 1, order_nr: 4, deal_probability: 100 },
];

/** A new company's activity types (v1 `/activityTypes`); an activity's `type` is one of the key strings. */
export const ACTIVITY_TYPES = [
  ['call', 'Call', 'call'],
  ['meeting', 'Meeting', 'meeting'],
  ['task', 'Task', 'task'],
  ['deadline', 'Deadline', 'deadline'],
  ['email', 'Email', 'email'],
  ['lunch', 'Lunch', 'lunch'],
].map(([key_string, name, icon_key], i) => ({
  id: i + 1,
  order_nr: i + 1,
  name,
  key_string,
  icon_key,
  active_flag: true,
  color: null,
  is_custom_flag: false,
  add_time: '2024-01-01 00:00:00',
  update_time: null,
}));

export const ACTIVITY_TYPE_KEYS = ACTIVITY_TYPES.map((t) => t.key_string);

/** The company's default currency for deals that name none. */
export const DEFAULT_CURRENCY = 'EUR';
