// `import x from "….so" with { type: "file" }` yields the embedded file's path.
declare module "*.so" {
  const path: string;
  export default path;
}

// The static PID-namespace init (scripts/lib/compile.ts builds .build/sysg-init).
declare module "*/sysg-init" {
  const path: string;
  export default path;
}
