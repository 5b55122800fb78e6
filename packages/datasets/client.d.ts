// Types for the virtual modules served by the Vite plugin in '@attn/datasets/vite'.
// Reference from a Vite app: /// <reference types="@attn/datasets/client" />
declare module 'virtual:attn-datasets/shakespeare' {
  const text: string;
  export default text;
}
declare module 'virtual:attn-datasets/emma' {
  const text: string;
  export default text;
}
