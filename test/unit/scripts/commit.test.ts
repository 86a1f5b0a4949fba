// The commit `sysg --version` names (scripts/lib/compile.ts gitCommit), on real git trees.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitCommit } from "../../../scripts/lib/compile.ts";

const hasGit = spawnSync("git", ["--version"]).status === 0;
if (!hasGit) console.warn("skipping gitCommit tests: git missing");
const dir = mkdtempSync(join(tmpdir(), "sysg-commit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) =>
  spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" });
const noEnv = {};

test.skipIf(!hasGit)("a checkout: 12 hex digits of HEAD, -dirty with changed tracked files", () => {
  const repo = join(dir, "repo");
  mkdirSync(repo);
  git(repo, "init", "-q");
  writeFileSync(join(repo, "a"), "1");
  git(repo, "add", "a");
  git(repo, "commit", "-qm", "one");
  const head = git(repo, "rev-parse", "HEAD").stdout.trim();
  expect(gitCommit(repo, noEnv)).toBe(head.slice(0, 12));
  writeFileSync(join(repo, "untracked"), "x"); // untracked files do not count
  expect(gitCommit(repo, noEnv)).toBe(head.slice(0, 12));
  writeFileSync(join(repo, "a"), "2");
  expect(gitCommit(repo, noEnv)).toBe(`${head.slice(0, 12)}-dirty`);
  // a tree that sits inside a checkout without being one (an unpacked tarball) is not that commit
  mkdirSync(join(repo, "unpacked"));
  expect(gitCommit(join(repo, "unpacked"), noEnv)).toBe("unknown");
});

test("not a git checkout: unknown; SYSG_COMMIT names it for a packager", () => {
  const plain = join(dir, "plain");
  mkdirSync(plain);
  expect(gitCommit(plain, noEnv)).toBe("unknown");
  expect(gitCommit(plain, { SYSG_COMMIT: "v0.1.0-tarball" })).toBe("v0.1.0-tarball");
});
