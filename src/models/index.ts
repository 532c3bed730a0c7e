// Model families the playbook proposes: tabular MLP, ResNet, embedding + LSTM.
export { TabularNet, embeddingSize, type TabularNetOptions, type TabularBlock } from './tabular.js';
export { ResNet, resnetFor, type ResNetOptions } from './resnet.js';
export { SequenceNet, type SequenceNetOptions } from './sequence.js';
export { layerTable, formatLayerTable, type LayerRow } from './summary.js';
export { TORCHVISION_ARCHS, IMAGENET_NORMALIZATION, torchvisionResNet, isTorchvisionArch, type TorchvisionArch } from './torchvision.js';
export { loadWeights, weightsMismatch, describeMismatch, WeightsError, type WeightsMismatch, type LoadWeightsOptions, type LoadWeightsReport } from './pretrained.js';
export { InputAdapter, type InputAdapterOptions } from './input_adapter.js';
export { safetensorsShapes } from './weights_header.js';
export { EmbeddingNet, l2Normalize, type EmbeddingNetOptions } from './embedding_net.js';
export { FlipAveraged, type TtaOutput } from './flip_averaged.js';
export { specProblem, specOutputs, registerSpecBounds, boundedFamilies, type SpecBounds, type SpecProblem, type WeightsExtent, type OutputWidth } from './spec_bounds.js';
