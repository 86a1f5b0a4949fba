// dev helper: bun scripts/chaos/run-one.ts <module> [numbers…] — runs one scenario alone
const [mod, ...nums] = process.argv.slice(2);
const m = await import(`./${mod}.ts`);
const fn = Object.entries(m).find(([k, v]) => typeof v === "function" && k !== "mutate")![1] as (...a: unknown[]) => Promise<unknown>;
let s = Number(process.env.SEED ?? 42);
const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
const args: unknown[] = nums.map(Number);
if (mod === "kills" || mod === "configs") args.push(rand);
if (mod === "ipcflood" && args.length < 2) args.push(2000);
console.log(JSON.stringify(await fn(...args), null, 1));
export {};
