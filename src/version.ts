// What `sysg --version` prints: the version from package.json and the git commit the binary was
// built from. scripts/build.ts replaces SYSG_COMMIT with a string literal (`bun build --define`);
// when run from source, or built outside a git checkout, the commit is "unknown".
import pkg from "../package.json" with { type: "json" };

declare const SYSG_COMMIT: string;

export const VERSION: string = pkg.version;
export const COMMIT: string = typeof SYSG_COMMIT === "string" && SYSG_COMMIT !== "" ? SYSG_COMMIT : "unknown";
/** `0.1.0 (commit 1a2b3c4d5e6f)` */
export const VERSION_LINE = `${VERSION} (commit ${COMMIT})`;
