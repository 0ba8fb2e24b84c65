import { useEffect, useState } from 'preact/hooks';

/** A page address: `#/runs/abc?x=1` → path segments ['runs', 'abc'] and its query. */
export interface Route {
  segments: string[];
  query: URLSearchParams;
}

function current(): Route {
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

/**
 * The app routes by the URL's hash, so every page is `/` to the api and no page address can ever
 * collide with an API path.
 */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The href of a page: href('runs', id) → '#/runs/<id>'. */
export const href = (...segments: string[]) => `#/${segments.map(encodeURIComponent).join('/')}`;

export const navigate = (to: string) => {
  location.hash = to.replace(/^#/, '');
};
