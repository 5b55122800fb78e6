// @attn/datasets: implemented by its own issue.
export {};
