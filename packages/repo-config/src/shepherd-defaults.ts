/**
 * The `[shepherd]` defaults, spelled once: the schema's `.default()`, `withDefaults` and the
 * repository workflow (which reads `rerun_failed_jobs` from the stored config) take them from
 * here. No zod, so the workflow bundle can import it (`@code-factory/repo-config/shepherd-defaults`).
 */
export const SHEPHERD_DEFAULTS = {
  update_branch: false,
  rerun_failed_jobs: 1,
  ignore_base_failures: false,
  thread_nudge_after: '30m',
  review_reminder_after: '24h',
  waiting_reminder_after: '4h',
  release_after_idle: 'off',
  watch_after_merge: '24h',
  reopen_on_regression: true,
} as const;
