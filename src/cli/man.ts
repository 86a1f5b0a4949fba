// `sysg man`: the sysg(1) man page as roff on stdout (`sysg man | man -l -`); the build writes
// it to dist/sysg.1 for install.sh.
import { defineCommand } from "./command.ts";

export default defineCommand({
  meta: { name: "man", description: "Print the sysg(1) man page (roff), generated from the same tables as --help", examples: ["sysg man | man -l -", "sysg man > /usr/local/share/man/man1/sysg.1"] },
  args: {},
  async run(): Promise<number> {
    const { cliSpec } = await import("./cli-spec.ts");
    const { manPage } = await import("./man-page.ts");
    // SOURCE_DATE_EPOCH keeps the page reproducible in builds
    const epoch = Number(process.env.SOURCE_DATE_EPOCH);
    const date = new Date(Number.isFinite(epoch) && epoch > 0 ? epoch * 1000 : Date.now()).toISOString().slice(0, 10);
    console.log(manPage(await cliSpec(), date).trimEnd());
    return 0;
  },
});
