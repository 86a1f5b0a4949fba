// The supervisor's event levels: what it reports, and what --log-level lets through.
export type Level = "error" | "warn" | "info" | "debug";
