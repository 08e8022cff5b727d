// Validates a CycloneDX JSON document with the CycloneDX JavaScript library's strict JSON validator (its official
// schemas, checked by ajv): an independent checker for the specification versions sbom-utility does not know.
//   node scripts/validate-cyclonedx.mjs FILE VERSION      (CDX_NODE_MODULES: where the library is installed)
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const [file, version] = process.argv.slice(2)
if (!file || !version) {
  console.error('usage: validate-cyclonedx.mjs FILE VERSION')
  process.exit(2)
}
const require = createRequire(process.env.CDX_NODE_MODULES + '/')
const { Validation } = require('@cyclonedx/cyclonedx-library')
const errors = await new Validation.JsonStrictValidator(version).validate(readFileSync(file, 'utf8'))
if (errors !== null) {
  console.error(JSON.stringify(errors, null, 2))
  process.exit(1)
}
