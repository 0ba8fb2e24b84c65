import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthorized, token } from './api/client.ts';
import { href, useRoute } from './lib/router.ts';
import { TokenForm } from './components/TokenForm.tsx';
import { RunsPage } from './pages/RunsPage.tsx';
import { RunPage } from './pages/RunPage.tsx';
import { ComparePage } from './pages/ComparePage.tsx';
import { NewRunPage } from './pages/NewRunPage.tsx';
import { DatasetsPage } from './pages/DatasetsPage.tsx';
import { DatasetPage } from './pages/DatasetPage.tsx';
import { ModelsPage } from './pages/ModelsPage.tsx';
import { ModelPage } from './pages/ModelPage.tsx';
import './styles.css';

const SECTIONS = [
  { key: 'runs', label: 'Runs' },
  { key: 'new', label: 'New run' },
  { key: 'datasets', label: 'Datasets' },
  { key: 'models', label: 'Models' },
];

function Page({ segments, query }: ReturnType<typeof useRoute>) {
  const [section = 'runs', id] = segments;
  if (section === 'runs' && id) return <RunPage id={id} />;
  if (section === 'compare') return <ComparePage ids={(query.get('ids') ?? '').split(',').filter(Boolean)} />;
  if (section === 'new') return <NewRunPage />;
  if (section === 'datasets') return id ? <DatasetPage id={id} /> : <DatasetsPage />;
  if (section === 'models') return id ? <ModelPage id={id} /> : <ModelsPage />;
  return <RunsPage />;
}

function App() {
  const route = useRoute();
  const [askToken, setAskToken] = useState(false);
  const tokenButton = useRef<HTMLButtonElement>(null);
  // Bumped when the token changes, so the page reloads its data with it.
  const [generation, setGeneration] = useState(0);
  useEffect(() => onUnauthorized(() => setAskToken(true)), []);
  const section = route.segments[0] ?? 'runs';
  const pageTitle = SECTIONS.find((s) => s.key === section)?.label ?? (section === 'compare' ? 'Compare' : 'Runs');
  useEffect(() => void (document.title = `${pageTitle} · Kiln`), [pageTitle]);

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('runs')}>
          Kiln
        </a>
        <nav aria-label="Sections">
          {SECTIONS.map((s) => (
            <a
              href={href(s.key)}
              aria-current={s.key === section || (s.key === 'runs' && section === 'compare') ? 'page' : undefined}
            >
              {s.label}
            </a>
          ))}
        </nav>
        <button
          ref={tokenButton}
          type="button"
          class="ghost"
          onClick={() => setAskToken(true)}
          aria-label="Set the API token"
        >
          {token.get() ? 'Token ✓' : 'Token'}
        </button>
      </header>
      {askToken && (
        <TokenForm
          onDone={(saved) => {
            setAskToken(false);
            if (saved) setGeneration((g) => g + 1);
            // Focus goes back where the dialog was opened from, not to the top of the page.
            tokenButton.current?.focus();
          }}
        />
      )}
      <main id="main" tabIndex={-1}>
        <Page key={`${generation}:${route.segments.join('/')}:${route.query}`} {...route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
