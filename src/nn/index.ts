// Neural-network building blocks.
export { Module } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { Conv2d, type Conv2dOptions } from './conv2d.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { LSTM, type LSTMOptions, type LSTMOutput } from './lstm.js';
export { Sequential } from './sequential.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, type Pool2dOptions } from './pooling.js';
export { ReLU, Tanh, Sigmoid, GELU, LeakyReLU, Identity } from './activations.js';
export { BasicBlock, type BasicBlockOptions } from './basic_block.js';
export { Bottleneck, type BottleneckOptions } from './bottleneck.js';
export * as init from './init.js';
export * as functional from './functional.js';
export { mseLoss, l1Loss, crossEntropy, binaryCrossEntropyWithLogits, tripletMarginLoss, contrastiveLoss, type CostFunction, type Reduction } from './loss.js';
