// @attn/train: implemented by its own issue.
export {};
