/*
 * One request of a kind at a time. A refresh asked for meanwhile runs once the current one
 * is back (the user wants fresh data); a timer's poll is skipped instead (the next tick will do).
 */

/**
 * @typedef {(() => void) & {poll: () => void}} Refresh
 */

/**
 * @param {() => Promise<unknown>} run must never reject
 * @returns {Refresh}
 */
export function singleFlight(run) {
  let busy = false;
  let again = false;
  const go = /** @type {Refresh} */ (
    () => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      again = false;
      run().finally(() => {
        busy = false;
        if (again) {
          go();
        }
      });
    }
  );
  go.poll = () => {
    if (!busy) {
      go();
    }
  };
  return go;
}
