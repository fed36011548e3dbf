/** The case format's JSON Schema, compiled to code when the playground is bundled (site/playground/bundle.ts). */
declare module "virtual:case-validator" {
  import type { ValidateFunction } from "ajv/dist/2020.js";
  const validate: ValidateFunction;
  export default validate;
}
