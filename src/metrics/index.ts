export { PrometheusMetrics } from './prometheus.js';
export { type MetricsServer, startMetricsServer } from './server.js';
