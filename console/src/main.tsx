/**
 * The console's entry point: builds the signed API client for this origin (fetch, and XHR for
 * upload progress) and renders the app into #app. The only place that chooses the client
 * implementation; screens get it from context.
 */
import { render } from 'preact';
import { createBrowserConsoleApi } from './api/browser.js';
import { describeError, generateCustomerKey, loadServerConfig, parseCustomerKey } from './api/index.js';
import { App, type ClientServices } from './ui/app.js';
import './ui/styles.css';

const client: ClientServices = {
  api: createBrowserConsoleApi(),
  describeError,
  generateCustomerKey,
  parseCustomerKey,
  loadServerConfig: () => loadServerConfig(),
};

render(<App client={client} />, document.getElementById('app')!);
