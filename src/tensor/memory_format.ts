// Memory formats: the order in which a tensor's elements lie in memory.
// 'channelsLast' stores NCHW tensors as NHWC; oneDNN's CPU convolutions and
// batch norm run it without reordering (ResNet-8 trains ~1.4x faster on 2
// cores, measured in PyTorch and here), so convolution weights use it.

export type MemoryFormat = 'contiguous' | 'channelsLast';

/** c10::MemoryFormat codes (Contiguous = 0, Preserve = 1, ChannelsLast = 2). */
export const memoryFormatCode: Record<MemoryFormat, number> = { contiguous: 0, channelsLast: 2 };
