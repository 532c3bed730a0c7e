// Data: readers, schema inference, leak-free splits (random, time, group) and
// what the plan suspects before training, training-set normalization, loaders
// and augmentation. Depends only on src/tensor, src/files and two pure
// measurement files of src/metrics (ranking, two-sample tests).
export { DataError, type SkippedRow } from './errors.js';
export { subsetTable, tableFromRows, newRow, setOwn, MAX_CELL_CHARS, type Cell, type Row, type Table, type ReadReport } from './table.js';
export { Rng, deriveSeed } from './prng.js';
export { readCsv, streamCsv, parseCsv, sniffDelimiter, type CsvOptions, type LineRow, type RowStream } from './csv.js';
export { readJson, streamJson, parseJson, type JsonOptions } from './json.js';
export { readParquet, parquetRowGroups, parquetInfo, type ParquetOptions, type ParquetInfo } from './parquet.js';
export { readTable, type ReadOptions } from './read.js';
export { readIdx, readIdxFile, labelsPathFor, type IdxArray, type IdxOptions } from './idx.js';
export { readImageFolder, type ImageFolderOptions } from './image_folder.js';
export { resolveImagePaths, globToRegExp, IMAGE_EXTENSIONS } from './image_paths.js';
export { decodeImage, sniffImageFormat, headerSize, readImageSize, decodeCost, ImageDecodeError, type ImageFormat, type ImageSize, type DecodeTarget, type DecodedImage } from './image_decode.js';
export { subsetImages, type ImageSet } from './image_set.js';
export { Tokenizer, tokenize, sequenceLength, MAX_TOKEN_ID, type TokenizerOptions, type TokenizerJSON, type TextStats } from './text.js';
export { DEFAULT_MISSING_TOKENS, isMissing, toNumber, toBoolean, toDate, toKey } from './values.js';
export { inferSchema, overrideSchema, formatSchema, featureColumns, type Schema, type SchemaOptions, type ColumnSchema, type ColumnKind, type ColumnRole, type Task } from './schema.js';
export { chooseDateParts, datePart, type DatePart } from './datetime.js';
export { fitNumericImputation, type IndicatorPolicy, type NumericImputation, type MissingReport } from './missing.js';
export { Vocabulary, MISSING, UNKNOWN, PAD, type VocabularyOptions, type VocabularyJSON } from './vocabulary.js';
export { Normalizer, type NormalizerJSON } from './normalizer.js';
export { Preprocessor, type PreprocessorOptions, type PreprocessorJSON, type EncodedTable, type EncodeReport, type FeatureSpec, type TargetSpec } from './preprocessor.js';
export { rowFingerprint, tableFingerprints, bytesFingerprint, dataFingerprint, nearKey } from './fingerprint.js';
export { SplitManifestError, checkOptions, checkData, optionChanges, type SplitRequest, type DataChange } from './split_check.js';
export { SealedTest, onUnseal, type TestAccess, type UnsealListener } from './sealed.js';
export { detectLeakage, type LeakageReport, type LeakageInput } from './leakage.js';
export { applyManifest, loadManifest, saveManifest, manifestPath, describeOverrides, type SplitManifest, type SplitName, type ManifestAssignment, type ColumnOverrides } from './manifest.js';
export { splitTable, splitImages, splitDataset, assignSplits, type Split, type TableSplit, type RowAssignment, type SplitOptions, type TableSplitOptions, type ImageSplitOptions, type Splittable } from './split.js';
export { parseSplitBy, checkSplitBy, splitByFlag, SplitColumnError, RANDOM, type SplitBy } from './split_by.js';
export { assignTimeSplits, timeFolds } from './time_split.js';
export { assignGroupSplits, assignGroupParts } from './group_split.js';
export { assignmentsCsv } from './assignments.js';
export { findSuspects, type Finding, type FindingKind } from './findings/index.js';
export { DataLoader, type Batch, type LoaderOptions, type LoaderData, type Augmenter } from './loader.js';
export { ParquetLoader, type ParquetLoaderOptions } from './parquet_loader.js';
export { ImageAugment, DEFAULT_IMAGE_AUGMENT, type ImageAugmentConfig } from './augment.js';
export { AUGMENT_NAMES, augmentConfig, parseAugment, flipEvidence, chooseAugment, type AugmentName, type AugmentChoice, type FlipEvidence } from './augment_choice.js';
export { TabularAugment, DEFAULT_TABULAR_AUGMENT, type TabularAugmentConfig } from './tabular_augment.js';
export { prepare, type Prepared, type PrepareOptions, type Preprocessing, type DataShape, type FeatureBlock, type TextInput } from './prepare.js';
export { asSource, type LoaderSource } from './loader_source.js';
export { subsetEncoded, subsetImageFraction } from './fraction.js';
export { closest, editDistance, UnknownColumnError, MissingColumnError } from './closest.js';
export { inputLayout, packRows, packBatch, type InputLayout, type TextSlot } from './model_input.js';
export { OVERRIDE_KINDS, ColumnOptionError, checkOverrideColumns, checkForcedKinds, type OverrideKind, type ColumnOverrideOptions } from './column_overrides.js';
