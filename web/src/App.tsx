// Placeholder shell: the live dashboard (runs list, run page, charts) arrives with the dashboard issue.
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem' }}>
      <h1>Trainboard</h1>
      <p>The live dashboard is not built yet. Use <code>npx trainboard import</code> and <code>npx trainboard parse</code> meanwhile.</p>
    </main>
  );
}
