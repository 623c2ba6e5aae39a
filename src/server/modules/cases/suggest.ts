/**
 * A text classifier for short Chinese case descriptions (事件描述), pure and in memory: the dispatch
 * suggestion learns from the cases a community has closed which category and which handler a new
 * description most likely belongs to.
 *
 * Features: Han character unigrams and bigrams (within a run of Han characters), and ASCII words
 * lowercased; punctuation, digits and spaces are dropped. Two models share that feature set:
 * multinomial naive Bayes (Laplace smoothing, class priors) and TF-IDF k nearest neighbours. The
 * benchmark (bench/dispatch-suggestion.ts) compares them; the service uses the one it measured
 * better (see newClassifier in suggestions.service.ts). Both answer the top-k labels with a
 * confidence: probabilities over all labels that sum to 1. Both learn incrementally (`add`).
 */

const HAN = /\p{Script=Han}/u;
const ASCII_WORD = /^[a-z]+$/;

/** The features of a text: Han unigrams and bigrams, ASCII words lowercased (digits, punctuation dropped). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let run: string[] = [];
  let word = '';
  const flushRun = () => {
    for (let i = 0; i < run.length; i++) {
      out.push(run[i]!);
      if (i + 1 < run.length) out.push(run[i]! + run[i + 1]!);
    }
    run = [];
  };
  const flushWord = () => {
    if (word.length >= 1) out.push(word);
    word = '';
  };
  for (const ch of text.normalize('NFKC').toLowerCase()) {
    if (HAN.test(ch)) {
      flushWord();
      run.push(ch);
    } else if (ASCII_WORD.test(ch)) {
      flushRun();
      word += ch;
    } else {
      flushRun();
      flushWord();
    }
  }
  flushRun();
  flushWord();
  return out;
}

export interface Prediction {
  label: string;
  /** The label's share of the probability over all labels (the top k of them sum to at most 1). */
  confidence: number;
}

export interface TextClassifier {
  /** Learn one more example. */
  add(text: string, label: string): void;
  /** The k most likely labels, most likely first; empty when nothing has been learnt. */
  predict(text: string, k?: number): Prediction[];
  /** How many examples it learnt. */
  readonly size: number;
  /** The labels it knows. */
  labels(): string[];
}

/** Softmax of log-scores: probabilities summing to 1, the top k sorted by confidence (ties by label). */
function topK(scores: Map<string, number>, k: number): Prediction[] {
  if (scores.size === 0) return [];
  const max = Math.max(...scores.values());
  let sum = 0;
  const exp = new Map<string, number>();
  for (const [label, s] of scores) {
    const e = Math.exp(s - max);
    exp.set(label, e);
    sum += e;
  }
  return [...exp].map(([label, e]) => ({ label, confidence: e / sum }))
    .sort((a, b) => b.confidence - a.confidence || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
    .slice(0, k);
}

interface ClassStats {
  docs: number;
  tokens: number;
  counts: Map<string, number>;
}

/**
 * Multinomial naive Bayes over the features, Laplace (add-alpha) smoothing, class priors from the
 * example counts. Incremental: `add` updates the counts; predicting costs O(labels × features).
 * A feature no class has seen is ignored (it says nothing about any class).
 */
export class NaiveBayes implements TextClassifier {
  private readonly classes = new Map<string, ClassStats>();
  private readonly vocabulary = new Set<string>();
  private docs = 0;

  constructor(private readonly alpha = 0.5) {}

  static train(examples: Iterable<{ text: string; label: string }>, alpha?: number): NaiveBayes {
    const nb = new NaiveBayes(alpha);
    for (const e of examples) nb.add(e.text, e.label);
    return nb;
  }

  get size(): number {
    return this.docs;
  }

  labels(): string[] {
    return [...this.classes.keys()];
  }

  add(text: string, label: string): void {
    let c = this.classes.get(label);
    if (!c) this.classes.set(label, (c = { docs: 0, tokens: 0, counts: new Map() }));
    c.docs++;
    this.docs++;
    for (const t of tokenize(text)) {
      c.counts.set(t, (c.counts.get(t) ?? 0) + 1);
      c.tokens++;
      this.vocabulary.add(t);
    }
  }

  /** The log-score of every label: log prior + Σ log P(feature | label). */
  logScores(text: string): Map<string, number> {
    const tokens = tokenize(text).filter((t) => this.vocabulary.has(t));
    const v = this.vocabulary.size;
    const scores = new Map<string, number>();
    for (const [label, c] of this.classes) {
      let s = Math.log(c.docs / this.docs);
      const denominator = Math.log(c.tokens + this.alpha * v);
      for (const t of tokens) s += Math.log((c.counts.get(t) ?? 0) + this.alpha) - denominator;
      scores.set(label, s);
    }
    return scores;
  }

  predict(text: string, k = 3): Prediction[] {
    if (this.docs === 0) return [];
    return topK(this.logScores(text), k);
  }
}

/**
 * TF-IDF k nearest neighbours: cosine similarity (sublinear tf × idf) against every example, the k
 * most similar vote with their similarity; a label's confidence is its share of the vote, softened
 * so that a label no neighbour voted for still gets a little. An inverted index (compressed rows in
 * typed arrays, about 1 kB per example) finds the neighbours; it is rebuilt on the first prediction
 * after an `add`, since the idf moved.
 */
export class TfIdfKnn implements TextClassifier {
  private readonly termIds = new Map<string, number>();
  private readonly df: number[] = [];
  private readonly labelIds = new Map<string, number>();
  private readonly labelNames: string[] = [];
  private readonly docLabel: number[] = [];
  private readonly docTerms: Uint32Array[] = [];
  private readonly docCounts: Uint16Array[] = [];
  private index: { start: Int32Array; docs: Int32Array; weights: Float32Array } | null = null;

  constructor(private readonly neighbours = 15) {}

  static train(examples: Iterable<{ text: string; label: string }>, neighbours?: number): TfIdfKnn {
    const m = new TfIdfKnn(neighbours);
    for (const e of examples) m.add(e.text, e.label);
    return m;
  }

  get size(): number {
    return this.docLabel.length;
  }

  labels(): string[] {
    return [...this.labelNames];
  }

  private counts(text: string, learn: boolean): Map<number, number> {
    const tf = new Map<number, number>();
    for (const t of tokenize(text)) {
      let id = this.termIds.get(t);
      if (id === undefined) {
        if (!learn) continue;
        id = this.df.length;
        this.termIds.set(t, id);
        this.df.push(0);
      }
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    return tf;
  }

  add(text: string, label: string): void {
    const tf = this.counts(text, true);
    for (const id of tf.keys()) this.df[id]!++;
    let l = this.labelIds.get(label);
    if (l === undefined) {
      l = this.labelNames.length;
      this.labelIds.set(label, l);
      this.labelNames.push(label);
    }
    this.docLabel.push(l);
    this.docTerms.push(Uint32Array.from(tf.keys()));
    this.docCounts.push(Uint16Array.from([...tf.values()].map((c) => Math.min(c, 65535))));
    this.index = null;
  }

  private idf(id: number): number {
    return Math.log((this.docLabel.length + 1) / ((this.df[id] ?? 0) + 1));
  }

  /** Normalised sublinear tf × idf weights of (term ids, counts). */
  private weigh(terms: ArrayLike<number>, counts: ArrayLike<number>): Float64Array {
    const w = new Float64Array(terms.length);
    let norm = 0;
    for (let i = 0; i < terms.length; i++) {
      const x = Math.max((1 + Math.log(counts[i]!)) * this.idf(terms[i]!), 0);
      w[i] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < w.length; i++) w[i]! /= norm;
    return w;
  }

  private build() {
    const terms = this.df.length;
    const start = new Int32Array(terms + 1);
    for (const doc of this.docTerms) for (const t of doc) start[t + 1]!++;
    for (let t = 0; t < terms; t++) start[t + 1]! += start[t]!;
    const fill = start.slice(0, terms);
    const docs = new Int32Array(start[terms]!);
    const weights = new Float32Array(start[terms]!);
    this.docTerms.forEach((doc, d) => {
      const w = this.weigh(doc, this.docCounts[d]!);
      for (let i = 0; i < doc.length; i++) {
        const at = fill[doc[i]!]!++;
        docs[at] = d;
        weights[at] = w[i]!;
      }
    });
    return { start, docs, weights };
  }

  predict(text: string, k = 3): Prediction[] {
    if (this.docLabel.length === 0) return [];
    this.index ??= this.build();
    const { start, docs, weights } = this.index;
    const tf = this.counts(text, false);
    const qTerms = [...tf.keys()];
    const q = this.weigh(qTerms, [...tf.values()]);
    const dot = new Map<number, number>();
    qTerms.forEach((t, i) => {
      for (let at = start[t]!; at < start[t + 1]!; at++) dot.set(docs[at]!, (dot.get(docs[at]!) ?? 0) + q[i]! * weights[at]!);
    });
    const nearest = [...dot].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, this.neighbours);
    const votes = new Float64Array(this.labelNames.length).fill(0.01);
    for (const [d, s] of nearest) votes[this.docLabel[d]!]! += Math.max(s, 0);
    // Log of the vote share, so topK's softmax gives back the normalised shares.
    const scores = new Map<string, number>();
    this.labelNames.forEach((l, i) => scores.set(l, Math.log(votes[i]!)));
    return topK(scores, k);
  }
}
