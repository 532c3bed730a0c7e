// The text row of the results table: sixstep's embedding + LSTM against a
// bag-of-words logistic regression on the same split of the SpamAssassin
// corpus (the bag of words: one learned weight per token, summed).
//   node dist/examples/spam_table.js /tmp/spam.ndjson
//   node dist/bench/spam_bow.js /tmp/spam.ndjson <projectDir>
// Uses the project's split manifest, so it evaluates the same sealed test rows
// that `sixstep auto --data /tmp/spam.ndjson --target label --project <projectDir>` did.
import { tidy, manualSeed, noGrad, type Tensor } from '../src/tensor/index.js';
import { Module, Embedding, binaryCrossEntropyWithLogits } from '../src/nn/index.js';
import { prepare } from '../src/data/prepare.js';
import { evaluateOnTest } from '../src/steps/sealed_test.js';
import { accuracy, Learner } from '../src/train/index.js';
import { Adam } from '../src/optim/index.js';
import { openStore } from '../src/store/index.js';

class BagOfWords extends Module {
  readonly weights: Embedding;
  constructor(vocabulary: number) {
    super();
    this.weights = this.registerModule('weights', new Embedding({ numEmbeddings: vocabulary, embeddingDim: 1, paddingIdx: 0 }));
    // A logistic regression starts at zero weights (the N(0, 1) embedding default would start saturated).
    noGrad(() => this.weights.weight.zero_());
  }
  /** x: the input rows, here the text's token ids (as float32). */
  forward(x: Tensor): Tensor {
    return tidy(() => this.weights.forward(x.to('int64')).sum(1));
  }
}

const [data = '/tmp/spam.ndjson', projectDir = '/tmp/spamproj'] = process.argv.slice(2);
const p = await prepare({ data, target: 'label', projectDir });
const text = p.archInput.kind === 'tabular' && p.archInput.inputs === 0 && p.archInput.texts.length === 1 ? p.archInput.texts[0] : null;
if (!text) throw new Error('expected a table with one text column and nothing else');
const vocabulary = text.vocabulary;
const cost = { name: 'binaryCrossEntropy', outputs: 1, reason: '', fn: (pr: Tensor, y: Tensor) => tidy(() => binaryCrossEntropyWithLogits(pr.reshape(-1), y.to('float32'))) };
manualSeed(0);
const t0 = Date.now();
const bow = new BagOfWords(vocabulary);
const train = p.loader('train', { batchSize: 64 });
const valid = p.loader('validation', { batchSize: 256 });
const opt = new Adam({ params: bow.parameters(), lr: 0.05 });
const learner = new Learner({ model: bow, optimizer: opt, costFunction: cost.fn, train, validation: valid, metrics: [accuracy] });
await learner.fit(15);
const last = learner.history.at(-1)!;
const store = openStore(projectDir);
const test = await evaluateOnTest({ prepared: p, model: bow, cost, metrics: [accuracy], store, modelId: 'bag-of-words baseline' });
store.close();
console.log(JSON.stringify({ name: 'spam-bag-of-words', validation: { loss: last.validLoss, ...last.metrics }, test: { loss: test.loss, ...test.metrics }, seconds: (Date.now() - t0) / 1000 }));
train.dispose();
valid.dispose();
opt.dispose();
bow.dispose();
