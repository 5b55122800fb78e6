// The attn web demo: implemented by the demo issue.
const app = document.getElementById('app');
if (app) app.textContent = 'attn demo: not built yet';
