/** Exit codes of every command (DESIGN: 0 ok, 1 failed records, 2 invalid config or usage, 3 could not run). */
export const EXIT = { ok: 0, failedRecords: 1, config: 2, cannotRun: 3 } as const;
