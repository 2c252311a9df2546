/**
 * Where the user is: Buckets › bucket › folder › folder, each a link except the current one
 * (aria-current="page"). Folders are the "/"-separated parts of the prefix.
 */
import { routeHref, type Route } from '../router.js';

export function Breadcrumbs({ bucket, prefix, objectName }: { bucket: string; prefix: string; objectName?: string }) {
  const folders = prefix.split('/').filter((p) => p !== '');
  const crumbs: Array<{ label: string; route: Route }> = [
    { label: 'Buckets', route: { screen: 'buckets' } },
    { label: bucket, route: { screen: 'objects', bucket, prefix: '' } },
    ...folders.map((folder, i) => ({ label: `${folder}/`, route: { screen: 'objects', bucket, prefix: `${folders.slice(0, i + 1).join('/')}/` } as Route })),
  ];
  return (
    <nav aria-label="Breadcrumbs" class="breadcrumbs">
      <ol>
        {crumbs.map((crumb, i) => {
          const isCurrent = i === crumbs.length - 1 && objectName === undefined;
          return (
            <li key={routeHref(crumb.route)}>
              {isCurrent ? <span aria-current="page">{crumb.label}</span> : <a href={routeHref(crumb.route)}>{crumb.label}</a>}
            </li>
          );
        })}
        {objectName !== undefined && (
          <li>
            <span aria-current="page">{objectName}</span>
          </li>
        )}
      </ol>
    </nav>
  );
}
