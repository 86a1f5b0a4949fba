// `sysg completion bash|zsh|fish`: print the completion script for a shell (generated from the
// command table, so every command and option is there), and the hidden `sysg __complete units`
// the scripts call for service names.
import { defineCommand } from "./command.ts";
import { printError } from "./client.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;

export default defineCommand({
  meta: {
    name: "completion",
    description: "Print the shell completion script for bash, zsh or fish",
    examples: ["sysg completion bash > /etc/bash_completion.d/sysg", "sysg completion fish > ~/.config/fish/completions/sysg.fish"],
  },
  args: {
    shell: { type: "positional", required: true, options: [...SHELLS], description: "bash | zsh | fish", valueHint: "shell" },
  },
  async run({ args }): Promise<number> {
    const shell = args.shell as (typeof SHELLS)[number];
    if (!SHELLS.includes(shell)) {
      await printError(`sysg: completion: unknown shell "${args.shell}"`, `use one of ${SHELLS.join(", ")}`);
      return 2;
    }
    const { cliSpec } = await import("./cli-spec.ts");
    const scripts = await import("./completion-scripts.ts");
    const spec = await cliSpec();
    const text = shell === "bash" ? scripts.bashScript(spec) : shell === "zsh" ? scripts.zshScript(spec) : scripts.fishScript(spec);
    console.log(text.trimEnd());
    return 0;
  },
});
