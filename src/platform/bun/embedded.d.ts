// `import x from "….so" with { type: "file" }` yields the embedded file's path.
declare module "*.so" {
  const path: string;
  export default path;
}
