// The metric series a run page charts, in display order: the one list in shared/, which the server's series cache
// warms with too.
export { DEFAULT_CHART_FIELDS as CHART_FIELDS } from '@trainboard/shared/metrics/chartFields';
