/**
 * The console's tables: a real <table> with a (visually hidden) caption, column headers and an
 * unlabelled-looking but named "Actions" column, that scrolls in its own box on wide screens and
 * turns into stacked rows on narrow ones (cells carry data-label). Plus the loading, error and
 * empty states every table shows before it has rows.
 */
import type { ComponentChildren } from 'preact';
import type { Loaded } from '../hooks.js';
import { ErrorText, Loading } from './messages.js';

export interface DataTableProps {
  caption: string;
  columns: string[];
  hasActions?: boolean;
  children: ComponentChildren;
}

export function DataTable({ caption, columns, hasActions, children }: DataTableProps) {
  return (
    <div class="table-wrap">
      <table class="table table-stack">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
            {hasActions && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Error, "Loading…" or the empty sentence for a list; nothing once it has items. */
export function ListState<T>({ list, what, empty }: { list: Loaded<T[]>; what: string; empty: string }) {
  if (list.error) return <ErrorText text={list.error} />;
  if (list.data === undefined) return <Loading what={what} />;
  if (list.data.length === 0) return <p class="empty">{empty}</p>;
  return null;
}
