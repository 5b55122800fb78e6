// @attn/tokenizer: implemented by its own issue.
export {};
