// Memory soak: 20 epochs of ResNet-8 training on synthetic data. Prints the
// RSS and live-tensor count after every epoch, then a verdict: RSS flat within
// 5% after epoch 2 and the live-tensor count constant.
//   node dist/bench/soak.js [epochs=20] [samplesPerEpoch=2048]
import { manualSeed, randn, randint, tidy, liveTensors, setNumThreads } from '../src/tensor/index.js';
import { crossEntropy } from '../src/nn/index.js';
import { AdamW } from '../src/optim/index.js';
import { resnet8 } from './models.js';

const epochs = Number(process.argv[2] ?? 20);
const perEpoch = Number(process.argv[3] ?? 2048);
const batch = 128;
setNumThreads(2);
manualSeed(0);
const model = resnet8();
const opt = new AdamW({ params: model.parameters(), lr: 1e-3 });
const rss: number[] = [];
const live: number[] = [];
for (let epoch = 1; epoch <= epochs; epoch++) {
  const t0 = performance.now();
  let loss = 0;
  for (let i = 0; i < perEpoch / batch; i++) {
    loss = tidy(() => {
      const x = randn([batch, 1, 28, 28]);
      const y = randint(0, 10, [batch]);
      opt.zeroGrad();
      const l = crossEntropy(model.forward(x), y);
      l.backward();
      opt.step();
      return l.item();
    });
  }
  rss.push(process.memoryUsage.rss());
  live.push(liveTensors());
  console.log(JSON.stringify({ epoch, loss: Number(loss.toFixed(4)), seconds: Number(((performance.now() - t0) / 1000).toFixed(2)), rss_mb: Math.round(rss.at(-1)! / 2 ** 20), live_tensors: live.at(-1) }));
}
const after = rss.slice(2);
const spread = (Math.max(...after) - Math.min(...after)) / Math.min(...after);
const flat = spread <= 0.05;
const constant = live.every((n) => n === live[0]);
console.log(JSON.stringify({ name: 'soak-resnet8', epochs, rss_spread_after_epoch2: Number(spread.toFixed(4)), rss_flat_within_5pct: flat, live_tensors_constant: constant }));
opt.dispose();
model.dispose();
if (!flat || !constant) process.exitCode = 1;
