"""Text -> token ids with the tokenizer files of an attn / Hugging Face checkpoint directory.

  vocab.json + merges.txt   byte-level BPE (GPT-2's files): pre-tokenize with GPT-2's pattern,
                            write each piece's UTF-8 bytes in GPT-2's byte alphabet, then merge
                            the lowest-ranked adjacent pair until none is left. <|endoftext|> in
                            the text separates documents and becomes its special id.
  attn-tokenizer.json       attn's own character or word tokenizer (ids = list positions).

With transformers installed you may use GPT2TokenizerFast.from_pretrained(dir) instead; this
file only keeps the example free of dependencies beyond torch. GPT-2's pattern needs the `regex`
package for \\p{L} / \\p{N}; without it Python's `re` version below is used, which is exact for
ASCII text (and says so).
"""
import json
import os
import re
import sys

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
# The same with `re`: letters = [^\W\d_], numbers = \d (differs from \p{..} only outside ASCII).
GPT2_PATTERN_RE = r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""
END_OF_TEXT = "<|endoftext|>"


def byte_alphabet():
    """GPT-2's byte -> printable character table (bytes_to_unicode)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    table = {}
    extra = 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class ByteLevelBPE:
    def __init__(self, directory, notes=True):
        with open(os.path.join(directory, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(directory, "merges.txt"), encoding="utf-8") as f:
            lines = [line for i, line in enumerate(f.read().split("\n")) if line and not (i == 0 and line.startswith("#version"))]
        self.ranks = {tuple(line.split(" ")): r for r, line in enumerate(lines)}
        self.alphabet = byte_alphabet()
        try:
            import regex

            self.pattern = regex.compile(GPT2_PATTERN)
        except ImportError:
            self.pattern = re.compile(GPT2_PATTERN_RE)
            self.exact_for_ascii_only = notes
        self.cache = {}

    def encode_piece(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        word = [self.alphabet[b] for b in piece.encode("utf-8")]
        while len(word) > 1:
            pairs = [(self.ranks.get((word[i], word[i + 1]), float("inf")), i) for i in range(len(word) - 1)]
            rank, i = min(pairs)
            if rank == float("inf"):
                break
            left, right = word[i], word[i + 1]
            merged = []
            j = 0
            while j < len(word):
                if j + 1 < len(word) and word[j] == left and word[j + 1] == right:
                    merged.append(left + right)
                    j += 2
                else:
                    merged.append(word[j])
                    j += 1
            word = merged
        ids = [self.vocab[s] for s in word]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        if getattr(self, "exact_for_ascii_only", False) and not text.isascii():
            print("note: the `regex` package is not installed; GPT-2's pre-tokenizer is approximated with `re` (exact for ASCII text)", file=sys.stderr)
            self.exact_for_ascii_only = False  # say it once
        ids = []
        documents = text.split(END_OF_TEXT) if END_OF_TEXT in self.vocab else [text]
        for d, document in enumerate(documents):
            if d > 0:
                ids.append(self.vocab[END_OF_TEXT])
            for piece in self.pattern.findall(document):
                ids.extend(self.encode_piece(piece))
        return ids


class AttnTokenizer:
    """attn-tokenizer.json: {"kind": "char", "chars": [...], "unk": bool} or {"kind": "word", "words": [...]}."""

    def __init__(self, directory):
        with open(os.path.join(directory, "attn-tokenizer.json"), encoding="utf-8") as f:
            spec = json.load(f)
        self.kind = spec["kind"]
        items = spec["chars"] if self.kind == "char" else spec["words"]
        self.ids = {item: i for i, item in enumerate(items)}
        self.unk = len(items) if self.kind == "char" and spec.get("unk") else None

    def encode(self, text):
        units = list(text) if self.kind == "char" else text.split()
        out = []
        for i, unit in enumerate(units):
            if unit in self.ids:
                out.append(self.ids[unit])
            elif self.unk is not None:
                out.append(self.unk)
            else:
                raise ValueError(f"{unit!r} (unit {i} of the text) is not in the checkpoint's {self.kind} vocabulary")
        return out


def load_tokenizer(directory, notes=True):
    """The directory's tokenizer; `notes` False keeps it quiet (all processes but one)."""
    if os.path.isfile(os.path.join(directory, "vocab.json")) and os.path.isfile(os.path.join(directory, "merges.txt")):
        return ByteLevelBPE(directory, notes)
    if os.path.isfile(os.path.join(directory, "attn-tokenizer.json")):
        return AttnTokenizer(directory)
    raise SystemExit(f"{directory}: no tokenizer files (vocab.json + merges.txt, or attn-tokenizer.json)")
