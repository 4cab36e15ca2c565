/** The scenario DSL: YAML file → validated, frozen RunPlan, with every problem reported at once as file:line:col. */
export { loadScenarioFile } from './load.js';
export { compileScenarioText, type ScenarioOverrides } from './compile.js';
export { scalePlan } from './scale.js';
export { ScenarioError, formatDiagnostics, type Diagnostic } from './diagnostics.js';
export { scenarioJsonSchema } from './json-schema.js';
export { arrivalOffsetMs, arrivalSpanMs } from './arrivals.js';
export type * from './plan.js';
