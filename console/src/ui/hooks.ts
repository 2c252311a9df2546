/**
 * The two async patterns every screen uses: loading data for what is on screen (useLoad, stale
 * answers dropped) and running a user's action (useTask: busy flag, error sentence, success
 * announcement). Errors come back as sentences; the caller decides where they are shown.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiResult } from '../api/contract.js';
import { failureText, unwrap } from './failure.js';
import { useServices } from './services.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads `load()` when deps change (and on reload()); keeps the previous data while reloading. */
export function useLoad<T>(load: () => Promise<ApiResult<T>>, deps: unknown[]): Loaded<T> {
  const { describeError } = useServices();
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (result) => {
        if (mine !== generation.current) return;
        try {
          setState({ data: unwrap(result), loading: false });
        } catch (e) {
          setState({ error: failureText(e, describeError), loading: false });
        }
      },
      (e: unknown) => {
        if (mine === generation.current) setState({ error: failureText(e, describeError), loading: false });
      },
    );
    return () => {
      generation.current += 1;
    };
    // `load` is a fresh closure on every render: the caller names what it depends on.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export interface Task {
  busy: boolean;
  error: string | undefined;
  /** Runs work; a returned string is announced as the result. Resolves true on success. */
  run: (work: () => Promise<string | void>) => Promise<boolean>;
  setError: (message: string | undefined) => void;
}

export function useTask(): Task {
  const { describeError, announce } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = useCallback(
    async (work: () => Promise<string | void>): Promise<boolean> => {
      setBusy(true);
      setError(undefined);
      try {
        const message = await work();
        if (message) announce(message, 'success');
        return true;
      } catch (e) {
        setError(failureText(e, describeError));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [announce, describeError],
  );
  return { busy, error, run, setError };
}

/** Calls `tick` every `intervalMs` while the page is visible, and once when it becomes visible again. */
export function useVisibleInterval(tick: () => void, intervalMs: number): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') latest.current();
    }, intervalMs);
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') latest.current();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [intervalMs]);
}
