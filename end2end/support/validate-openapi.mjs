// Validates an OpenAPI document (a file path argument) against the official OpenAPI 3.x JSON
// schemas, and checks every $ref resolves. Exit 0 when valid; the errors are printed otherwise.
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate-openapi.mjs <openapi.json>");
  process.exit(2);
}
const validator = new Validator();
const result = await validator.validate(file);
console.log(JSON.stringify({ version: validator.version, valid: result.valid }));
if (!result.valid) {
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
