import { Image } from 'antd';
import { ImageViewer } from 'antd-mobile';
import { useLocale } from '../app/i18n.js';

export interface GalleryPhoto {
  id: string;
  url: string;
  width: number;
  height: number;
}

/**
 * The photos of a case (or of one step) as square thumbnails; a tap or click opens them large.
 * On the phone the viewer swipes between them (antd-mobile); on the desktop antd's preview group.
 */
export function PhotoGallery({ photos, variant = 'desktop', size = 96, testId = 'photo-gallery' }: {
  photos: GalleryPhoto[];
  variant?: 'desktop' | 'mobile';
  size?: number;
  testId?: string;
}) {
  const { t } = useLocale();
  if (photos.length === 0) return null;
  const thumb: React.CSSProperties = { width: size, height: size, objectFit: 'cover', borderRadius: 6, display: 'block', background: '#f0f0f0' };

  if (variant === 'mobile') {
    return (
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 6 }} data-testid={testId}>
        {photos.map((p, i) => (
          <img key={p.id} src={p.url} alt={t('ui.attachments.photoAlt', { n: i + 1 })} loading="lazy" width={size} height={size} style={thumb}
            data-testid="gallery-photo" data-width={p.width} data-height={p.height}
            onClick={() => ImageViewer.Multi.show({ images: photos.map((x) => x.url), defaultIndex: i })} />
        ))}
      </div>
    );
  }
  return (
    <div data-testid={testId}>
      <Image.PreviewGroup>
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
          {photos.map((p, i) => (
            <Image key={p.id} src={p.url} alt={t('ui.attachments.photoAlt', { n: i + 1 })} width={size} height={size} loading="lazy"
              style={{ objectFit: 'cover', borderRadius: 6 }} data-testid="gallery-photo" data-width={p.width} data-height={p.height} />
          ))}
        </div>
      </Image.PreviewGroup>
    </div>
  );
}
