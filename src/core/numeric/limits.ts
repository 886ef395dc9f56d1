// Bounds on how a run is spread over threads (the CLI's --workers, the editor's noetherLab.workers).

/** At most this many simulation worker threads per run (never more than its chains). */
export const MAX_WORKERS = 64;
