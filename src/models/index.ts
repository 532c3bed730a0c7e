// Model families the playbook proposes: the table network (numbers, categories
// and text encoders joined), ResNet; and the registry that builds them from specs.
export { TabularNet, embeddingSize, textWidth, modelColumns, type TabularNetOptions, type TabularBlock, type TextEncoderSpec } from './tabular.js';
export { BagEncoder, bigramIds, BIGRAM_PRIME, type BagEncoderOptions } from './bag_encoder.js';
export { LstmEncoder, type LstmEncoderOptions } from './lstm_encoder.js';
export { ResNet, resnetFor, type ResNetOptions } from './resnet.js';
export { layerTable, formatLayerTable, type LayerRow, type LayerNotes } from './summary.js';
export { buildModel, parameterDevice, describeModel, specColumns, unknownFamily, MODEL_FAMILIES, type ModelSpec } from './registry.js';
export { TORCHVISION_ARCHS, IMAGENET_NORMALIZATION, torchvisionResNet, isTorchvisionArch, type TorchvisionArch } from './torchvision.js';
export { loadWeights, weightsMismatch, describeMismatch, WeightsError, type WeightsMismatch, type LoadWeightsOptions, type LoadWeightsReport } from './pretrained.js';
export { InputAdapter, type InputAdapterOptions } from './input_adapter.js';
export { safetensorsShapes } from './weights_header.js';
export { EmbeddingNet, l2Normalize, type EmbeddingNetOptions } from './embedding_net.js';
export { FlipAveraged, type TtaOutput } from './flip_averaged.js';
export { specProblem, specOutputs, registerSpecBounds, boundedFamilies, type SpecBounds, type SpecProblem, type WeightsExtent, type OutputWidth } from './spec_bounds.js';
