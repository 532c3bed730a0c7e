// Data: readers, schema inference, leak-free splits, training-set
// normalization, loaders and augmentation. Depends only on src/tensor.
export { DataError, type SkippedRow } from './errors.js';
export { subsetTable, tableFromRows, type Cell, type Row, type Table, type ReadReport } from './table.js';
export { Rng, deriveSeed } from './prng.js';
export { readCsv, streamCsv, parseCsv, sniffDelimiter, type CsvOptions, type LineRow, type RowStream } from './csv.js';
export { readJson, streamJson, parseJson, type JsonOptions } from './json.js';
export { readParquet, parquetRowGroups, parquetInfo, type ParquetOptions, type ParquetInfo } from './parquet.js';
export { readTable, type ReadOptions } from './read.js';
export { readIdx, readIdxFile, labelsPathFor, type IdxArray, type IdxOptions } from './idx.js';
export { readImageFolder, type ImageFolderOptions } from './image_folder.js';
export { subsetImages, type ImageSet } from './image_set.js';
export { Tokenizer, tokenize, type TokenizerOptions, type TokenizerJSON } from './text.js';
export { DEFAULT_MISSING_TOKENS, isMissing, toNumber, toBoolean, toDate, toKey } from './values.js';
export { inferSchema, overrideSchema, formatSchema, featureColumns, type Schema, type SchemaOptions, type ColumnSchema, type ColumnKind, type ColumnRole, type Task } from './schema.js';
export { chooseDateParts, datePart, type DatePart } from './datetime.js';
export { fitNumericImputation, type IndicatorPolicy, type NumericImputation, type MissingReport } from './missing.js';
export { Vocabulary, MISSING, UNKNOWN, PAD, type VocabularyOptions, type VocabularyJSON } from './vocabulary.js';
export { Normalizer, type NormalizerJSON } from './normalizer.js';
export { Preprocessor, type PreprocessorOptions, type PreprocessorJSON, type EncodedTable, type EncodeReport, type FeatureSpec, type TargetSpec } from './preprocessor.js';
export { rowFingerprint, tableFingerprints, bytesFingerprint } from './fingerprint.js';
export { SealedTest, onUnseal, type TestAccess, type UnsealListener } from './sealed.js';
export { detectLeakage, type LeakageReport, type LeakageInput } from './leakage.js';
export { applyManifest, loadManifest, saveManifest, type SplitManifest, type SplitName, type ManifestAssignment } from './manifest.js';
export { splitTable, splitImages, splitDataset, assignSplits, type Split, type SplitOptions, type TableSplitOptions, type ImageSplitOptions, type Splittable } from './split.js';
export { DataLoader, type Batch, type LoaderOptions, type LoaderData, type Augmenter } from './loader.js';
export { ParquetLoader, type ParquetLoaderOptions } from './parquet_loader.js';
export { ImageAugment, DEFAULT_IMAGE_AUGMENT, type ImageAugmentConfig } from './augment.js';
export { TabularAugment, DEFAULT_TABULAR_AUGMENT, type TabularAugmentConfig } from './tabular_augment.js';
