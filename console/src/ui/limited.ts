/**
 * Fetching something for each visible row (an object's HEAD for its badge, a bucket's default
 * encryption) with at most `limit` requests in flight, so a page of 100 rows does not fire 100
 * requests at once. Results arrive per row; a new list discards answers for the old one.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export function usePerRow<T, R>(rows: T[] | undefined, keyOf: (row: T) => string, fetchRow: (row: T) => Promise<R>, limit: number): Map<string, R> {
  const [results, setResults] = useState<Map<string, R>>(new Map());
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setResults(new Map());
    if (!rows || rows.length === 0) return;
    const queue = [...rows];
    const worker = async (): Promise<void> => {
      for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
        let result: R;
        try {
          result = await fetchRow(row);
        } catch {
          continue; // that row keeps its "unknown" look; the others go on
        }
        if (mine !== generation.current) return;
        const key = keyOf(row);
        setResults((previous) => new Map(previous).set(key, result));
      }
    };
    for (let i = 0; i < Math.min(limit, rows.length); i += 1) void worker();
    return () => {
      generation.current += 1;
    };
    // Only a new list of rows starts a new round; the callbacks are fresh closures each render.
  }, [rows]);
  return results;
}
