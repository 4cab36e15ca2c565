/** Composed device models: a model defined in YAML from physics blocks and sensor channels, without code. */
export { composeModel } from './compose.js';
export { type ChannelDef, type BlockDef, type ComposedModelDef, type ModelFileDef, composedModelSchema, modelFileSchema, NAME_PATTERN } from './schema.js';
export { type BlockDoc, type BlockInputDoc, type BlockOutputDoc, type BlockParamDoc, blockKindNames, describeBlocks } from './catalog.js';
