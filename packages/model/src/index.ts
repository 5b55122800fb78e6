// @attn/model: implemented by its own issue.
export {};
