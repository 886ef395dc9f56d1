// Shared types of the reproducible experiments (`noether experiment`, "Noether Lab: Run Experiment…").
// Each experiment is a `.loss` file in experiments/ plus a sweep; its result sets every prediction
// beside the measurement with its standard error and a tolerance derived from that error.
export type Size = 'small' | 'full';
export interface Check { name: string; predicted: number; measured: number; stdErr: number; tolerance: number; pass: boolean; note?: string }
export interface FigureSeries { name: string; x: number[]; y: number[]; yErr?: number[]; style?: 'line' | 'points' | 'dashed' | 'bars' }
export interface Figure { id: string; title: string; xLabel: string; yLabel: string; xLog?: boolean; yLog?: boolean; series: FigureSeries[] }
export interface ExperimentResult { name: string; title: string; size: Size; seconds: number; checks: Check[]; figures: Figure[]; notes: string[]; pass: boolean }
export interface ExperimentContext { size: Size; workers?: number; /** Folder of the Fashion-MNIST files (fashion-mlp; default Debian's). */ fashionMnistPath?: string; signal?: AbortSignal; onProgress?: (fraction: number, message: string) => void; /** text of experiments/<file> */ readLoss(file: string): string }
export interface Experiment { name: string; title: string; description: string; lossFiles: string[]; run(ctx: ExperimentContext): Promise<ExperimentResult> }
