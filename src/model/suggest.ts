// "did you mean" for unknown keys and bad choices: habits from other tools first, then edit distance.

/** Keys people bring from systemd, PM2, docker-compose or older configs. */
const HABITS: Readonly<Record<string, string>> = {
  restart: "restart_policy",
  restart_strategy: "restart_policy",
  cmd: "command",
  exec_start: "command",
  script: "command",
  cwd: "working_dir",
  workdir: "working_dir",
  working_directory: "working_dir",
  environment: "env",
  env_file: "env",
  envfile: "env",
  variables: "vars",
  files: "file",
  depends: "depends_on",
  requires: "depends_on",
  after: "depends_on",
  schedule: "cron",
  kill_signal: "stop_signal",
  signal: "stop_signal",
  kill_timeout: "stop_timeout",
  timeout_stop: "stop_timeout",
  max_restart: "max_restarts",
  retries: "max_restarts",
  restart_delay: "backoff",
  health_check: "readiness",
  healthcheck: "readiness",
  ulimits: "limits",
  caps: "capabilities",
  sandbox: "isolation",
  log: "logs",
};

/** The known word the user probably meant, or undefined when nothing is close. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const habit = HABITS[lower];
  if (habit && known.includes(habit)) return habit;
  const exact = known.find((k) => k.toLowerCase() === lower || k.replace(/[-_]/g, "") === lower.replace(/[-_]/g, ""));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best ?? sharedPrefix(lower, known);
}

/** The one known word sharing the longest prefix (at least 4 letters) with `word`: "retry" → "retries". */
function sharedPrefix(word: string, known: readonly string[]): string | undefined {
  const common = (k: string) => {
    let n = 0;
    while (n < word.length && n < k.length && word[n] === k[n]!.toLowerCase()) n++;
    return n;
  };
  const scored = known.map((k) => ({ k, n: common(k) })).filter((x) => x.n >= 4).sort((a, b) => b.n - a.n);
  return scored.length > 0 && scored[0]!.n !== scored[1]?.n ? scored[0]!.k : undefined;
}

/** Levenshtein distance, with adjacent transpositions counted as one edit. */
export function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]![j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
