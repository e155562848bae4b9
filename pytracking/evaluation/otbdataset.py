"""OTB-2015 (OTB-100).

Publication: Object Tracking Benchmark, Wu, Lim and Yang, TPAMI 2015.
Download: http://cvlab.hanyang.ac.kr/tracker_benchmark/index.html

On disk: ``<otb_path>/<Video>/img/<frame:04d>.jpg`` and ``<otb_path>/<Video>/groundtruth_rect.txt`` (boxes
``x,y,w,h`` separated by commas, tabs or spaces depending on the video).
"""
from pytracking.evaluation._infolist import InfoListDataset
from pytracking.evaluation.attributes import AttributeDatasetMixin

# name|startFrame|endFrame|object_class; overrides below. Benchmark data (the official sequence list).
_OTB_TABLE = """
Basketball|1|725|person
Biker|1|142|person head
Bird1|1|408|bird
Bird2|1|99|bird
BlurBody|1|334|person
BlurCar1|247|988|car
BlurCar2|1|585|car
BlurCar3|3|359|car
BlurCar4|18|397|car
BlurFace|1|493|face
BlurOwl|1|631|other
Board|1|698|other
Bolt|1|350|person
Bolt2|1|293|person
Box|1|1161|other
Boy|1|602|face
Car1|1|1020|car
Car2|1|913|car
Car24|1|3059|car
Car4|1|659|car
CarDark|1|393|car
CarScale|1|252|car
ClifBar|1|472|other
Coke|1|291|other
Couple|1|140|person
Coupon|1|327|other
Crossing|1|120|person
Crowds|1|347|person
Dancer|1|225|person
Dancer2|1|150|person
David|300|770|face
David2|1|537|face
David3|1|252|person
Deer|1|71|mammal
Diving|1|215|person
Dog|1|127|dog
Dog1|1|1350|dog
Doll|1|3872|other
DragonBaby|1|113|face
Dudek|1|1145|face
FaceOcc1|1|892|face
FaceOcc2|1|812|face
Fish|1|476|other
FleetFace|1|707|face
Football|1|362|person head
Football1|1|74|face
Freeman1|1|326|face
Freeman3|1|460|face
Freeman4|1|283|face
Girl|1|500|face
Girl2|1|1500|person
Gym|1|767|person
Human2|1|1128|person
Human3|1|1698|person
Human4_2|1|667|person
Human5|1|713|person
Human6|1|792|person
Human7|1|250|person
Human8|1|128|person
Human9|1|305|person
Ironman|1|166|person head
Jogging_1|1|307|person
Jogging_2|1|307|person
Jump|1|122|person
Jumping|1|313|face
KiteSurf|1|84|face
Lemming|1|1336|other
Liquor|1|1741|other
Man|1|134|face
Matrix|1|100|person head
Mhyang|1|1490|face
MotorRolling|1|164|vehicle
MountainBike|1|228|bicycle
Panda|1|1000|mammal
RedTeam|1|1918|vehicle
Rubik|1|1997|other
Shaking|1|365|face
Singer1|1|351|person
Singer2|1|366|person
Skater|1|160|person
Skater2|1|435|person
Skating1|1|400|person
Skating2_1|1|473|person
Skating2_2|1|473|person
Skiing|1|81|person
Soccer|1|392|face
Subway|1|175|person
Surfer|1|376|person head
Suv|1|945|car
Sylvester|1|1345|other
Tiger1|1|354|other
Tiger2|1|365|other
Toy|1|271|other
Trans|1|124|other
Trellis|1|569|face
Twinnings|1|472|other
Vase|1|271|other
Walking|1|412|person
Walking2|1|500|person
Woman|1|597|person
"""

# Videos whose folder or annotation file differ from the defaults, or with a non-default format.
_OTB_OVERRIDES = {
    'Board': dict(nz=5),
    'KiteSurf': dict(ext='png'),
    'Human4_2': dict(path='Human4/img', anno_path='Human4/groundtruth_rect.2.txt'),
    'Jogging_1': dict(path='Jogging/img', anno_path='Jogging/groundtruth_rect.1.txt'),
    'Jogging_2': dict(path='Jogging/img', anno_path='Jogging/groundtruth_rect.2.txt'),
    'Skating2_1': dict(path='Skating2/img', anno_path='Skating2/groundtruth_rect.1.txt'),
    'Skating2_2': dict(path='Skating2/img', anno_path='Skating2/groundtruth_rect.2.txt'),
    'Tiger1': dict(initOmit=5),
}


def otb_sequence_info_list():
    """The 100 OTB videos as dicts (``name, path, startFrame, endFrame, nz, ext, anno_path, object_class``)."""
    infos = []
    for line in _OTB_TABLE.strip().splitlines():
        name, start, end, cls = line.split('|')
        info = dict(name=name, path='{}/img'.format(name), startFrame=int(start), endFrame=int(end), nz=4,
                    ext='jpg', anno_path='{}/groundtruth_rect.txt'.format(name), object_class=cls)
        info.update(_OTB_OVERRIDES.get(name, {}))
        infos.append(info)
    return infos


class OTBDataset(AttributeDatasetMixin, InfoListDataset):
    """OTB-2015 dataset (100 videos); path from ``env_settings().otb_path`` (env ``PYTRACKING_OTB_PATH``).

    args:
        attribute: Keep only the videos with this attribute (short name such as ``'OCC'`` or long name such
            as ``'Occlusion'``; see ``dataset_attribute_specs/otb_attributes.json``).
    """

    dataset_name = 'otb'
    path_setting = 'otb_path'
    anno_delimiter = (',', None)  # OTB mixes comma- and whitespace-separated annotation files
    attribute_spec = 'otb'

    def _info_list(self):
        return otb_sequence_info_list()
