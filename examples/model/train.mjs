// Trains the example model: a logistic-regression classifier of heart-disease risk from four
// vital signs, fitted by gradient descent on a synthetic cohort drawn with a fixed seed.
// Run: node examples/model/train.mjs   (writes model.json beside this file)
import { writeFileSync } from 'node:fs';

const FEATURES = {
  age: [29, 77],
  resting_bp: [94, 200],
  cholesterol: [126, 564],
  max_heart_rate: [71, 202],
};
// The relationship the cohort is drawn from (on standardised features).
const TRUE_WEIGHTS = { age: 0.9, resting_bp: 0.5, cholesterol: 0.4, max_heart_rate: -1.1 };
const TRUE_BIAS = -0.2;

let state = 42;
const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

const names = Object.keys(FEATURES);
const rows = [];
for (let i = 0; i < 4000; i++) {
  const x = names.map((n) => {
    const [lo, hi] = FEATURES[n];
    const mid = (lo + hi) / 2;
    return Math.min(hi, Math.max(lo, mid + (gauss() * (hi - lo)) / 6));
  });
  const z = names.reduce((acc, n, j) => {
    const [lo, hi] = FEATURES[n];
    return acc + TRUE_WEIGHTS[n] * ((x[j] - (lo + hi) / 2) / ((hi - lo) / 6));
  }, TRUE_BIAS);
  rows.push({ x, y: rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0 });
}

const mean = names.map((_, j) => rows.reduce((a, r) => a + r.x[j], 0) / rows.length);
const std = names.map((_, j) => Math.sqrt(rows.reduce((a, r) => a + (r.x[j] - mean[j]) ** 2, 0) / rows.length));
const xs = rows.map((r) => r.x.map((v, j) => (v - mean[j]) / std[j]));

let w = names.map(() => 0);
let b = 0;
for (let epoch = 0; epoch < 500; epoch++) {
  const gw = names.map(() => 0);
  let gb = 0;
  xs.forEach((x, i) => {
    const p = 1 / (1 + Math.exp(-x.reduce((a, v, j) => a + v * w[j], b)));
    const e = p - rows[i].y;
    x.forEach((v, j) => {
      gw[j] += e * v;
    });
    gb += e;
  });
  w = w.map((wj, j) => wj - (0.5 * gw[j]) / xs.length);
  b -= (0.5 * gb) / xs.length;
}
const accuracy =
  xs.filter((x, i) => (x.reduce((a, v, j) => a + v * w[j], b) > 0 ? 1 : 0) === rows[i].y).length / xs.length;

const model = {
  name: 'heart-risk-logreg',
  version: '1.0.0',
  features: names.map((n, j) => ({
    name: n,
    min: FEATURES[n][0],
    max: FEATURES[n][1],
    mean: round(mean[j]),
    std: round(std[j]),
    weight: round(w[j]),
  })),
  bias: round(b),
  training: { rows: rows.length, accuracy: round(accuracy), seed: 42 },
};
writeFileSync(new URL('./model.json', import.meta.url), `${JSON.stringify(model, null, 2)}\n`);
console.log(`trained on ${rows.length} rows, accuracy ${accuracy.toFixed(3)}`);

function round(x) {
  return Math.round(x * 1e6) / 1e6;
}
