/** Injectable time source: simulators never call Date.now() directly so tests can freeze or steer time. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export function fixedClock(at: Date | string): Clock {
  const ms = new Date(at).getTime();
  return () => new Date(ms);
}

export interface ManualClock {
  now: Clock;
  advance(ms: number): void;
  set(at: Date | string): void;
}

/** A clock that only moves when told to. */
export function manualClock(start: Date | string): ManualClock {
  let ms = new Date(start).getTime();
  return {
    now: () => new Date(ms),
    advance: (d) => {
      ms += d;
    },
    set: (at) => {
      ms = new Date(at).getTime();
    },
  };
}

/** A clock that moves forward by `stepMs` every time it is read. */
export function advancingClock(start: Date | string, stepMs: number): Clock {
  let ms = new Date(start).getTime();
  return () => {
    const d = new Date(ms);
    ms += stepMs;
    return d;
  };
}
