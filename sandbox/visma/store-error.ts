/** A refused admin change (unknown record, bad field, a deletion Visma would not allow). */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
