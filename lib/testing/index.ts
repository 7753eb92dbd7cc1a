export { recordBus, type BusRecorder, type RecordedTopic } from './record-bus.js';
