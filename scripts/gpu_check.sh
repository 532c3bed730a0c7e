#!/usr/bin/env bash
# The CUDA side of --device, on a machine with a GPU: one short prepared run
# (under 5 minutes once the addon is built). CI and the test suite run on
# CPUs only; this is where `--device cuda` is actually exercised.
#
#   scripts/gpu_check.sh            (from anywhere; writes its log under $OUT or a temporary folder)
#   scripts/gpu_check.sh --rehearse (no GPU: steps 2–3 with the CPU standing in for cuda, to check the script itself)
#
# Needs on the machine: an NVIDIA GPU and driver, Node.js 20+, the npm
# packages (npm ci, or carry node_modules), and a CUDA build of libtorch for
# the native addon (LIBTORCH=<folder>, or a Python torch with CUDA, which
# scripts/libtorch.mjs finds). Each missing piece stops the script with what
# to install. Steps:
#   1. build the addon against the CUDA libtorch and the TypeScript; check the
#      engine sees the GPU;
#   2. the device tests (test/tensor/device, test/cli/device, test/data/device);
#   3. a table (penguins) and a small generated image folder: `fit` on the CPU
#      and on CUDA with the same seed, fixed optimizer, rate and epochs —
#      the parameters must have been on cuda:0 and the validation loss and
#      accuracy must match the CPU's within a tolerance; `predict` of the same
#      CUDA-trained model on CUDA and on the CPU must give the same
#      probabilities (images within 1e-2: cuDNN convolutions run in TF32 by default; tables 1e-4); `auto --device cuda` on the
#      table and `lr-find`/`test` on CUDA must report cuda:0.
# Exit 0 when every check passed; the first failed check is named on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
REHEARSE=false
[ "${1:-}" = --rehearse ] && REHEARSE=true
GPU=cuda
EXPECT=cuda:0
if $REHEARSE; then GPU=cpu; EXPECT=cpu; fi
LOG_DIR=${OUT:-$(mktemp -d)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
say() { printf '[gpu_check] %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
T0=$(date +%s)

# ---- 1. prerequisites and build ------------------------------------------------
if ! $REHEARSE; then
command -v nvidia-smi >/dev/null && nvidia-smi -L >&2 || fail "no NVIDIA GPU or driver (nvidia-smi)"
command -v node >/dev/null || fail "Node.js 20+ is not installed"
[ "$(node -p 'Number(process.versions.node.split(".")[0]) >= 20')" = true ] || fail "Node.js $(node -v): 20+ is needed"
[ -d node_modules/typescript ] || fail "node_modules missing: run npm ci (needs the npm registry), or carry node_modules"
if [ -z "${LIBTORCH:-}" ]; then
  # A Python torch with CUDA is the usual libtorch on GPU machines.
  PYTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__) if torch.cuda.is_available() else "")' 2>/dev/null || true)
  [ -n "$PYTORCH" ] && export LIBTORCH="$PYTORCH"
fi
say "libtorch: ${LIBTORCH:-(found by scripts/libtorch.mjs)}"
SIXSTEP_BUILD_JOBS=${SIXSTEP_BUILD_JOBS:-$(nproc)} node scripts/build-native.mjs 2>&1 | tail -5 >&2
node node_modules/typescript/bin/tsc -p tsconfig.json
node --input-type=module -e "
import { engineInfo, cudaDeviceCount } from './dist/src/tensor/index.js';
const e = engineInfo();
console.error('[gpu_check] engine:', JSON.stringify({ torch: e.torchVersion, cuda: e.cuda, devices: cudaDeviceCount() }));
if (cudaDeviceCount() < 1) { console.error('[gpu_check] FAILED: the addon was built against a libtorch without CUDA, or sees no GPU: set LIBTORCH to a CUDA build and rerun'); process.exit(1); }
"
say "built in $(( $(date +%s) - T0 )) s"
fi

# ---- 2. the device tests ------------------------------------------------------------
node scripts/run-tests.mjs device 2>&1 | tee "$LOG_DIR/device-tests.log" | grep -E '^(✔|✖|ℹ (pass|fail))' >&2 || true
grep -q '^ℹ fail 0' "$LOG_DIR/device-tests.log" || fail "device tests (log: $LOG_DIR/device-tests.log)"

# ---- 3. CUDA against the CPU, through the CLI -------------------------------------------
CLI="node dist/src/cli/main.js"
node --input-type=module -e "
import sharp from 'sharp';
import { mkdirSync, writeFileSync } from 'node:fs';
const colours = { red: [200, 40, 40], green: [40, 180, 50], blue: [40, 50, 200] };
for (const [name, rgb] of Object.entries(colours)) {
  mkdirSync('$WORK/images/' + name, { recursive: true });
  mkdirSync('$WORK/new-images', { recursive: true });
  for (let i = 0; i < 24; i++) {
    const raw = Buffer.alloc(16 * 16 * 3);
    for (let k = 0; k < raw.length; k++) raw[k] = Math.max(0, Math.min(255, rgb[k % 3] + ((k * 31 + i * 17) % 61) - 30));
    const png = await sharp(raw, { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer();
    writeFileSync('$WORK/' + (i < 20 ? 'images/' + name : 'new-images') + '/' + name + i + '.png', png);
  }
}"

fit() { # fit <name> <device> <args…>: JSON on $WORK/<name>.json
  local name=$1 device=$2; shift 2
  $CLI fit "$@" --device "$device" --seed 0 --project "$WORK/project-$name" --json > "$WORK/$name.json" 2> "$LOG_DIR/$name.err" || [ $? -eq 5 ] || fail "fit $name ($LOG_DIR/$name.err)"
}
TABLE=(--data data/penguins.json --target Species --epochs 4 --optimizer adam --lr 1e-2 --batch-size 32)
IMAGES=(--data "$WORK/images" --epochs 3 --optimizer adam --lr 3e-3 --batch-size 16)
fit table-cpu cpu "${TABLE[@]}"
fit table-cuda $GPU "${TABLE[@]}"
fit images-cpu cpu "${IMAGES[@]}"
fit images-cuda $GPU "${IMAGES[@]}"
$CLI predict --model "$(node -p "require('$WORK/images-cuda.json').model")" --data "$WORK/new-images" --json --device $GPU > "$WORK/predict-cuda.json" || fail "predict on cuda"
$CLI predict --model "$(node -p "require('$WORK/images-cuda.json').model")" --data "$WORK/new-images" --json --device cpu > "$WORK/predict-cpu.json" || fail "predict on cpu"
$CLI predict --model "$(node -p "require('$WORK/table-cuda.json').model")" --data data/penguins.json --json --device $GPU > "$WORK/predict-table-cuda.json" || fail "table predict on cuda"
$CLI predict --model "$(node -p "require('$WORK/table-cuda.json').model")" --data data/penguins.json --json --device cpu > "$WORK/predict-table-cpu.json" || fail "table predict on cpu"
$CLI lr-find --data data/penguins.json --target Species --iterations 30 --device $GPU --project "$WORK/project-table-cuda" --json > "$WORK/lr-find.json" || fail "lr-find on cuda"
$CLI test --data data/penguins.json --target Species --model "$(node -p "require('$WORK/table-cuda.json').model")" --device $GPU --project "$WORK/project-table-cuda" --json > "$WORK/test.json" || fail "test on cuda"
$CLI auto --data data/penguins.json --target Species --budget 0.5 --device $GPU --project "$WORK/project-auto" --json > "$WORK/auto.json" 2> "$LOG_DIR/auto.err" || [ $? -eq 5 ] || fail "auto on cuda ($LOG_DIR/auto.err)"

node --input-type=module -e "
import { readFileSync } from 'node:fs';
const j = (f) => JSON.parse(readFileSync('$WORK/' + f + '.json', 'utf8'));
const failures = [];
const check = (ok, what) => { console.error('[gpu_check] ' + (ok ? 'ok  ' : 'FAIL') + ' ' + what); if (!ok) failures.push(what); };
for (const f of ['table-cuda', 'images-cuda', 'lr-find', 'test', 'auto']) check(j(f).device === '$EXPECT', f + ': parameters on ' + j(f).device);
for (const f of ['table-cpu', 'images-cpu']) check(j(f).device === 'cpu', f + ': parameters on ' + j(f).device);
// Training on another device reorders floating-point sums: close, not equal.
for (const kind of ['table', 'images']) {
  const [c, g] = [j(kind + '-cpu').metrics.validation, j(kind + '-cuda').metrics.validation];
  check(Math.abs(c.loss - g.loss) <= 0.05 * Math.abs(c.loss) + 0.02, kind + ': validation loss cpu ' + c.loss.toFixed(4) + ' cuda ' + g.loss.toFixed(4));
  check(Math.abs(c.accuracy - g.accuracy) <= 0.06, kind + ': validation accuracy cpu ' + c.accuracy.toFixed(4) + ' cuda ' + g.accuracy.toFixed(4));
}
// The same weights predicted on both devices: the same probabilities.
for (const [kind, tol] of [['', 1e-2], ['table-', 1e-4]]) {
  const [c, g] = [j('predict-' + kind + 'cpu').predictions, j('predict-' + kind + 'cuda').predictions];
  let worst = 0, same = 0;
  c.forEach((p, i) => { for (const k of Object.keys(p.probabilities)) worst = Math.max(worst, Math.abs(p.probabilities[k] - g[i].probabilities[k])); if (p.label === g[i].label) same++; });
  check(c.length === g.length && c.length > 0 && worst <= tol, (kind || 'images-') + 'predict: ' + c.length + ' rows, largest probability difference ' + worst.toExponential(2) + ' (tolerance ' + tol + '), same label ' + same + '/' + c.length);
}
if (failures.length) { console.error('[gpu_check] FAILED: ' + failures.join('; ')); process.exit(1); }
"
say "all checks passed in $(( $(date +%s) - T0 )) s"
